import { CheckinJournalData } from '@care/shared';
import { DeviceVault } from '../sealed/device-vault.js';

const RECORD_NAME = 'checkins';
const empty = (): CheckinJournalData => ({ results: [], suggested: [], contributedCycles: [] });

/**
 * The ASN's check-ins on this device, in the device vault (sealed under a
 * key made here and never sent). One record; each change reads it again
 * first, so two tabs add to it rather than overwrite each other's reading.
 */
export class CheckinJournal {
  private constructor(private readonly vault: DeviceVault) {}

  static async open(accountId: string): Promise<CheckinJournal> {
    return new CheckinJournal(await DeviceVault.open(accountId));
  }

  async read(): Promise<CheckinJournalData> {
    return (await this.vault.get(RECORD_NAME, CheckinJournalData)) ?? empty();
  }

  async change(edit: (data: CheckinJournalData) => CheckinJournalData): Promise<CheckinJournalData> {
    const next = CheckinJournalData.parse(edit(await this.read()));
    await this.vault.put(RECORD_NAME, next);
    return next;
  }
}

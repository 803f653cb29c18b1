import { startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { allWeek, createAccounts, schedulingClient, type TestAccount } from '../scheduling/scheduling-app.js';
import { startSmtpInbox, type SmtpInbox } from './smtp-inbox.js';

/**
 * One platform whose reminder passes the test drives (its loop stopped, its
 * clock settable), an in-process SMTP server, and a counselor open all week
 * with one ASN to book them.
 */
export interface DrivenNode {
  t: TestPlatform;
  inbox: SmtpInbox;
  counselor: TestAccount;
  asn: TestAccount;
  /** The reminders' clock; null follows the real one. */
  setClock(ms: number | null): void;
  close(): Promise<void>;
}

export async function startDrivenNode(prefix: string): Promise<DrivenNode> {
  let clockMs: number | null = null;
  const inbox = await startSmtpInbox();
  const t = await startTestPlatform(
    { SMTP_URL: inbox.url, REMINDER_INTERVAL_MS: '600000', REMINDER_OFFSETS_MINUTES: '1440,15' },
    { reminderClock: () => new Date(clockMs ?? Date.now()) },
  );
  await t.platform.notifications.scheduler.stop();
  const [counselor] = (await createAccounts(t, 'counselor', 1, `${prefix}-c`)) as [TestAccount];
  const [asn] = (await createAccounts(t, 'asn', 1, `${prefix}-a`)) as [TestAccount];
  const saved = await schedulingClient(t.url, counselor.cookie).put('/availability', { weekly: allWeek, minNoticeHours: 0, maxPerDay: 24 });
  if (saved.status !== 200) throw new Error(`availability not saved: ${saved.status}`);
  return {
    t,
    inbox,
    counselor,
    asn,
    setClock: (ms) => {
      clockMs = ms;
    },
    close: async () => {
      await t.close();
      await inbox.close();
    },
  };
}

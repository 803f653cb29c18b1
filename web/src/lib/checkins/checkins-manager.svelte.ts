import type { ChangeCategory, CheckinJournalData, CheckinRecord, Instrument } from '@care/shared';
import { programmeApi } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { PageAction } from '../managers/page-action.svelte.js';
import { RolePage } from '../managers/role-page.svelte.js';
import { SealError } from '../sealed/seal-error.js';
import { CheckinJournal } from './checkin-journal.js';
import { inOrder, who5Due } from './checkin-schedule.js';
import { INSTRUMENT_DEFINITIONS } from './instruments.js';
import { changeCategory, indicatesRisk, score, type Scored } from './scoring.js';

/** The programme year as the server reckons it: the calendar year in WIB (UTC+7 all year). */
export function programmeYearNow(now = new Date()): number {
  return new Date(now.getTime() + 7 * 3_600_000).getUTCFullYear();
}

export function storageProblem(error: unknown): MessageKey {
  return error instanceof SealError ? (error.code === 'no_storage' ? 'checkins.noStorage' : 'checkins.cannotOpen') : 'errors.internal';
}

interface Form {
  instrument: Instrument;
  answers: Array<number | undefined>;
}

/**
 * The ASN's check-in page: which questionnaires are offered (WHO-5 always,
 * on its own schedule; PHQ-9 and GAD-7 once the counselor suggested them),
 * filling one in, its score on the device, the trend, and the opt-in
 * evaluation contribution. The answers stay in the device vault; the only
 * request this page makes besides reading the allowance is the
 * contribution, and only when the person sends it.
 */
export class CheckinsManager extends RolePage {
  data = $state<CheckinJournalData>({ results: [], suggested: [], contributedCycles: [] });
  sessionsUsed = $state<number | null>(null);
  form = $state<Form | undefined>(undefined);
  /** The result just saved, shown with its band. */
  latest = $state<Scored | undefined>(undefined);
  readonly action = new PageAction();
  #journal: CheckinJournal | undefined;

  due = $derived(who5Due(this.data.results, this.sessionsUsed, new Date()));
  offered = $derived<Instrument[]>(['who5', ...this.data.suggested]);
  /** An answer that calls for the crisis panel, as soon as it is given. */
  crisis = $derived(this.form ? indicatesRisk(this.form.instrument, this.form.answers) : false);
  complete = $derived(this.form ? this.form.answers.every((a) => a !== undefined) : false);
  who5 = $derived(inOrder(this.data.results, 'who5'));
  cycle = $derived(programmeYearNow());
  /** The change this device may contribute: first against last WHO-5, once two exist. */
  change = $derived<ChangeCategory | undefined>(
    this.who5.length >= 2 ? changeCategory((this.who5[0] as CheckinRecord).score, (this.who5.at(-1) as CheckinRecord).score) : undefined,
  );
  contributed = $derived(this.data.contributedCycles.includes(this.cycle));

  constructor() {
    super('asn');
  }

  protected async read(): Promise<void> {
    if (!this.me) return;
    try {
      this.#journal = await CheckinJournal.open(this.me.id);
      this.data = await this.#journal.read();
    } catch (error) {
      this.error = storageProblem(error);
      return;
    }
    // Only for "every few sessions"; the page works without it.
    this.sessionsUsed = await programmeApi.allowance().then(
      (a) => a.used,
      () => null,
    );
  }

  start(instrument: Instrument): void {
    this.latest = undefined;
    this.action.notice = undefined;
    this.form = { instrument, answers: INSTRUMENT_DEFINITIONS[instrument].questions.map(() => undefined) };
  }

  answer(index: number, value: number): void {
    if (!this.form) return;
    this.form.answers[index] = value;
  }

  cancel(): void {
    this.form = undefined;
  }

  /** Scores and keeps the filled-in questionnaire on this device. */
  async submit(): Promise<boolean> {
    const form = this.form;
    const journal = this.#journal;
    if (!form || !journal || !this.complete) return false;
    const scored = score(form.instrument, form.answers as number[]);
    const record: CheckinRecord = {
      id: crypto.randomUUID(),
      instrument: form.instrument,
      answers: form.answers as number[],
      score: scored.score,
      takenAt: new Date().toISOString(),
      sessionsUsed: this.sessionsUsed,
    };
    this.action.error = undefined;
    try {
      this.data = await journal.change((d) => ({ ...d, results: [...d.results, record] }));
    } catch (error) {
      // Not kept: the form stays as it is, with the reason.
      this.action.error = storageProblem(error);
      return false;
    }
    this.form = undefined;
    this.latest = scored;
    this.action.notice = 'checkins.saved';
    return true;
  }

  /** Opt-in: sends only the change category; the device remembers it did, the server refuses a second. */
  async contribute(): Promise<boolean> {
    const journal = this.#journal;
    const change = this.change;
    if (!journal || !change || this.contributed) return false;
    return this.action.run(async () => {
      let cycle = this.cycle;
      try {
        cycle = (await programmeApi.contribute({ change })).cycle;
      } catch (error) {
        // Counted already (another device, or a lost answer): remember it all the same.
        if (!(error instanceof ApiError && error.code === 'already_contributed')) throw error;
      }
      this.data = await journal.change((d) => ({ ...d, contributedCycles: [...new Set([...d.contributedCycles, cycle])] }));
    }, 'checkins.contributed');
  }
}

import type { MessageKey } from '../i18n/i18n.svelte.js';
import { errorKey } from './schedule-format.js';

/**
 * One action of a page at a time (save, confirm, disable): whether it is
 * running (buttons wait), the error it ended with, and what to announce when
 * it went through.
 */
export class PageAction {
  working = $state(false);
  error = $state<MessageKey | undefined>(undefined);
  notice = $state<MessageKey | undefined>(undefined);

  /** Runs `work`; true when it went through, with `done` to announce. */
  async run(work: () => Promise<void>, done?: MessageKey): Promise<boolean> {
    this.working = true;
    this.error = undefined;
    this.notice = undefined;
    try {
      await work();
      this.notice = done;
      return true;
    } catch (error) {
      this.error = errorKey(error);
      return false;
    } finally {
      this.working = false;
    }
  }
}

import type { AccountLookupView } from '@care/shared';
import { accountsApi } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { errorKey } from './schedule-format.js';

/**
 * "Find an account by email": one account or invite at a time, by its exact
 * address (there is no list of ASN), and what staff may do with it: send the
 * invite again, deactivate or reactivate the account. Every action names the
 * address again; nothing is kept after the page closes.
 */
export class AccountLookupManager {
  email = $state('');
  /** The address the shown result is for. */
  shownFor = $state<string | undefined>(undefined);
  result = $state<AccountLookupView | undefined>(undefined);
  searching = $state(false);
  working = $state(false);
  notFound = $state(false);
  error = $state<MessageKey | undefined>(undefined);
  /** The polite live region: what just happened. */
  notice = $state<MessageKey | undefined>(undefined);

  async find(): Promise<void> {
    const email = this.email.trim();
    this.error = undefined;
    this.notice = undefined;
    this.notFound = false;
    this.result = undefined;
    this.shownFor = undefined;
    if (!email) {
      this.error = 'lookup.emailRequired';
      return;
    }
    this.searching = true;
    try {
      this.result = await accountsApi.lookupAccount(email);
      this.shownFor = email.toLowerCase();
    } catch (error) {
      if (error instanceof ApiError && error.code === 'not_found') this.notFound = true;
      else this.error = errorKey(error);
    } finally {
      this.searching = false;
    }
  }

  async resend(): Promise<void> {
    const email = this.shownFor;
    if (!email || !this.result) return;
    await this.#act(async (result) => ({ ...result, invite: await accountsApi.resendInvite(email) }), 'lookup.resent');
  }

  async setActive(active: boolean): Promise<void> {
    const email = this.shownFor;
    if (!email || !this.result) return;
    await this.#act(async (result) => ({ ...result, account: await accountsApi.setActiveByEmail(email, active) }), active ? 'lookup.reactivated' : 'lookup.deactivated');
  }

  async #act(change: (result: AccountLookupView) => Promise<AccountLookupView>, done: MessageKey): Promise<void> {
    if (!this.result || this.working) return;
    this.working = true;
    this.error = undefined;
    this.notice = undefined;
    try {
      this.result = await change(this.result);
      this.notice = done;
    } catch (error) {
      this.error = errorKey(error);
    } finally {
      this.working = false;
    }
  }
}

import type { CurrentUser, SecurityView, TotpSetupView } from '@care/shared';
import { accountsApi, api } from '../api/api-client.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { errorKey } from './schedule-format.js';

/** The person's own two-step verification: set up with a QR code and a first code; recovery codes shown once. */
export class AccountSecurityManager {
  me = $state<CurrentUser | undefined>(undefined);
  security = $state<SecurityView | undefined>(undefined);
  setup = $state<TotpSetupView | undefined>(undefined);
  recoveryCodes = $state<string[] | undefined>(undefined);
  loading = $state(true);
  working = $state(false);
  error = $state<MessageKey | undefined>(undefined);
  actionError = $state<MessageKey | undefined>(undefined);
  notice = $state<MessageKey | undefined>(undefined);

  /** The QR code as an image the page can show without running markup. */
  qrImage = $derived(this.setup ? `data:image/svg+xml;base64,${btoa(this.setup.qrSvg)}` : undefined);

  async load(): Promise<void> {
    try {
      [this.me, this.security] = await Promise.all([api.me(), accountsApi.security()]);
    } catch (error) {
      this.error = errorKey(error);
    } finally {
      this.loading = false;
    }
  }

  async start(): Promise<void> {
    await this.#act(async () => {
      this.setup = await accountsApi.totpSetup();
    });
  }

  async confirm(code: string): Promise<boolean> {
    return this.#act(async () => {
      this.recoveryCodes = (await accountsApi.totpConfirm(code.trim())).recoveryCodes;
      this.setup = undefined;
      [this.me, this.security] = await Promise.all([api.me(), accountsApi.security()]);
      this.notice = 'security.enabled';
    });
  }

  async disable(code: string): Promise<boolean> {
    return this.#act(async () => {
      this.security = await accountsApi.totpDisable(code.trim());
      this.recoveryCodes = undefined;
      this.notice = 'security.disabled';
    });
  }

  async #act(work: () => Promise<void>): Promise<boolean> {
    this.working = true;
    this.actionError = undefined;
    this.notice = undefined;
    try {
      await work();
      return true;
    } catch (error) {
      this.actionError = errorKey(error);
      return false;
    } finally {
      this.working = false;
    }
  }
}

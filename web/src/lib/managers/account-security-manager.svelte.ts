import type { CurrentUser, SecurityView, TotpSetupView } from '@care/shared';
import { accountsApi, api } from '../api/api-client.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { PageAction } from './page-action.svelte.js';
import { errorKey } from './schedule-format.js';

/** The person's own two-step verification: set up with a QR code and a first code; recovery codes shown once. */
export class AccountSecurityManager {
  me = $state<CurrentUser | undefined>(undefined);
  security = $state<SecurityView | undefined>(undefined);
  setup = $state<TotpSetupView | undefined>(undefined);
  recoveryCodes = $state<string[] | undefined>(undefined);
  loading = $state(true);
  error = $state<MessageKey | undefined>(undefined);
  readonly action = new PageAction();

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
    await this.action.run(async () => {
      this.setup = await accountsApi.totpSetup();
    });
  }

  confirm(code: string): Promise<boolean> {
    return this.action.run(async () => {
      this.recoveryCodes = (await accountsApi.totpConfirm(code.trim())).recoveryCodes;
      this.setup = undefined;
      [this.me, this.security] = await Promise.all([api.me(), accountsApi.security()]);
    }, 'security.enabled');
  }

  disable(code: string): Promise<boolean> {
    return this.action.run(async () => {
      this.security = await accountsApi.totpDisable(code.trim());
      this.recoveryCodes = undefined;
    }, 'security.disabled');
  }
}

import type { CurrentUser } from '@care/shared';
import { api } from '../api/api-client.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { AsnCirclesManager } from './asn-circles-manager.svelte.js';
import { FacilitatorCirclesManager } from './facilitator-circles-manager.svelte.js';
import { errorKey } from './schedule-format.js';

/**
 * /circles: one page, two roles. An ASN browses and joins; a counselor
 * facilitates. An administrator sees no one's circles (counts live in reporting).
 */
export class CirclesPageManager {
  me = $state<CurrentUser | undefined>(undefined);
  loading = $state(true);
  error = $state<MessageKey | undefined>(undefined);
  asn = $state<AsnCirclesManager | undefined>(undefined);
  facilitator = $state<FacilitatorCirclesManager | undefined>(undefined);

  async load(): Promise<void> {
    try {
      this.me = await api.me();
      if (this.me.role === 'asn') {
        this.asn = new AsnCirclesManager(this.me);
        await this.asn.start();
      } else if (this.me.role === 'counselor') {
        this.facilitator = new FacilitatorCirclesManager(this.me);
        await this.facilitator.start();
      } else {
        this.error = 'errors.forbidden';
      }
    } catch (error) {
      this.error = errorKey(error);
    } finally {
      this.loading = false;
    }
  }

  destroy(): void {
    this.asn?.destroy();
    this.facilitator?.destroy();
  }
}

import type { CurrentUser, Role } from '@care/shared';
import { api } from '../api/api-client.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { errorKey } from './schedule-format.js';

/**
 * A page for one role: who is signed in, whether it is loading, and what
 * stopped it. `load` refuses anyone of another role, then reads the page's
 * own data (`read`), which subclasses also call after each change.
 */
export abstract class RolePage {
  me = $state<CurrentUser | undefined>(undefined);
  loading = $state(true);
  error = $state<MessageKey | undefined>(undefined);

  timeZone = $derived(this.me?.timeZone ?? 'Asia/Jakarta');

  constructor(private readonly role: Role) {}

  async load(): Promise<void> {
    this.loading = true;
    this.error = undefined;
    try {
      this.me = await api.me();
      if (this.me.role !== this.role) {
        this.error = 'errors.forbidden';
        return;
      }
      await this.read();
    } catch (error) {
      this.error = errorKey(error);
    } finally {
      this.loading = false;
    }
  }

  protected abstract read(): Promise<void>;
}

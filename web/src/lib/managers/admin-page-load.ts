import type { CurrentUser } from '@care/shared';
import { api } from '../api/api-client.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { errorKey } from './schedule-format.js';

/** What every administration page shows while it loads: who is signed in, a page-wide problem, the wait. */
export interface AdminPageState {
  me: CurrentUser | undefined;
  error: MessageKey | undefined;
  loading: boolean;
}

/**
 * Loads an administration page: the signed-in person, then — for an
 * administrator only, everyone else sees "forbidden" — the page's own data.
 */
export async function loadAdminPage(page: AdminPageState, then: () => Promise<void>): Promise<void> {
  try {
    page.me = await api.me();
    if (page.me.role !== 'admin') {
      page.error = 'errors.forbidden';
      return;
    }
    await then();
  } catch (error) {
    page.error = errorKey(error);
  } finally {
    page.loading = false;
  }
}

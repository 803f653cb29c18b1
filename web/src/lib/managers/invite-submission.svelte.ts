import type { CreateInviteBody, InvitedRole, InviteView } from '@care/shared';
import { accountsApi } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { errorKey } from './schedule-format.js';

export interface InviteDraft {
  email: string;
  displayName: string;
  agencyUnit: string;
}

/** The fields the server named as wrong, keyed by field. */
export function fieldIssues(error: unknown): Record<string, MessageKey> {
  if (!(error instanceof ApiError) || !error.issues) return {};
  return Object.fromEntries(error.issues.map((issue) => [issue.path, `invite.issue.${issue.path}` as MessageKey]));
}

/** Inviting one person of a role: the form's wait, its problems by field, and the invite made (with its link in development). */
export class InviteSubmission {
  inviting = $state(false);
  error = $state<MessageKey | undefined>(undefined);
  issues = $state<Record<string, MessageKey>>({});
  lastInvite = $state<InviteView | undefined>(undefined);

  constructor(readonly role: InvitedRole) {}

  /** The invite when it went out (the form may clear), else undefined with the problem set. */
  async send(draft: InviteDraft): Promise<InviteView | undefined> {
    this.inviting = true;
    this.error = undefined;
    this.issues = {};
    try {
      const body: CreateInviteBody = { ...draft, role: this.role };
      this.lastInvite = await accountsApi.createInvite(body);
      return this.lastInvite;
    } catch (error) {
      this.issues = fieldIssues(error);
      this.error = errorKey(error);
      return undefined;
    } finally {
      this.inviting = false;
    }
  }
}

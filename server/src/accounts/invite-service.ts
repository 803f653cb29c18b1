import type {
  AcceptedInviteView,
  AcceptInviteBody,
  CsvInviteReport,
  CsvRowResult,
  InviteLookupView,
  InviteState,
  InviteView,
  LookedUpInvite,
} from '@care/shared';
import type { Model } from 'mongoose';
import type { Logger } from 'pino';
import { hashPassword } from '../auth/password.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import { readInviteCsv } from './csv-invites.js';
import type { InviteDelivery } from './invite-delivery.js';
import type { Invite, InviteDocument } from './invite-model.js';
import { hashInviteToken, newInviteToken } from './invite-token.js';

export interface InviteOptions {
  ttlHours: number;
  /** The origin people open, for the link: https://care.example.go.id */
  publicUrl: () => string;
  /** The deployment's unit codes; undefined: any well-formed code. */
  agencyUnits: readonly string[] | undefined;
  now: () => Date;
}

interface NewInvite {
  email: string;
  displayName: string;
  agencyUnit: string;
  role: InviteView['role'];
}

const isDuplicateKey = (error: unknown) => error instanceof Error && 'code' in error && error.code === 11000;

/**
 * Invitations: an admin invites a person (singly or from a CSV file); the
 * invitee opens the link, sets a password and has an account with the role
 * and unit of the invite. Each invite is one insert (its commit point); a
 * row of a CSV file is invited or skipped whole, never half-written.
 */
export class InviteService {
  constructor(
    private readonly db: Database,
    private readonly invites: Model<Invite>,
    private readonly delivery: InviteDelivery,
    private readonly options: InviteOptions,
    private readonly log: Logger,
  ) {}

  async invite(adminId: string, body: NewInvite): Promise<InviteView> {
    this.#checkUnit(body.agencyUnit);
    const outcome = await this.#invite(adminId, body);
    if (!outcome.ok) {
      throw outcome.reason === 'already_exists'
        ? new AppError('already_exists', 'There is already an account or an open invite for this email.')
        : new AppError('unavailable', 'The invite could not be delivered. Please try again.');
    }
    return outcome.invite;
  }

  /** One row after the other (delivery is the slow part, and order keeps the report readable). */
  async importCsv(adminId: string, csv: string): Promise<CsvInviteReport> {
    const rows: CsvRowResult[] = [];
    for (const candidate of readInviteCsv(csv)) {
      if (!candidate.ok) {
        rows.push({ line: candidate.line, status: 'skipped', email: candidate.email, reason: candidate.reason });
        continue;
      }
      if (!this.#unitAllowed(candidate.invite.agencyUnit)) {
        rows.push({ line: candidate.line, status: 'skipped', email: candidate.invite.email, reason: 'invalid_unit' });
        continue;
      }
      const outcome = await this.#invite(adminId, candidate.invite);
      rows.push(
        outcome.ok
          ? { line: candidate.line, status: 'invited', email: candidate.invite.email, invite: outcome.invite }
          : { line: candidate.line, status: 'skipped', email: candidate.invite.email, reason: outcome.reason },
      );
    }
    const invited = rows.filter((r) => r.status === 'invited').length;
    return { invited, skipped: rows.length - invited, rows };
  }

  /**
   * Open counselor invites, newest first (staff are listed; ASN invites are
   * not: the list would shrink as people accept, and so tell who did).
   */
  async pendingCounselors(): Promise<InviteView[]> {
    const open = await this.invites.find({ role: 'counselor', acceptedAt: null, expiresAt: { $gt: this.options.now() } }).sort({ createdAt: -1 }).limit(500);
    return open.map((invite) => this.#view(invite));
  }

  /** The invite of this exact address, as a look-up shows it; null when there is none. */
  async find(email: string): Promise<LookedUpInvite | null> {
    const invite = await this.invites.findOne({ email });
    return invite ? this.#lookedUp(invite, await this.#state(invite)) : null;
  }

  /**
   * Sends the invite of this exact address again, with a fresh link and
   * expiry: the old link stops working (only the new token's hash is kept).
   * Two admins resending at once each send a link; the later one works.
   */
  async resend(email: string): Promise<LookedUpInvite> {
    const invite = await this.invites.findOne({ email });
    if (!invite) throw new AppError('not_found', 'No invite has this address.');
    if ((await this.#state(invite)) === 'accepted') throw new AppError('invite_used', 'This invite has already been used: the account exists.');
    const token = newInviteToken();
    const expiresAt = new Date(this.options.now().getTime() + this.options.ttlHours * 3_600_000);
    await this.invites.updateOne({ _id: invite._id }, { $set: { tokenHash: hashInviteToken(token), expiresAt } });
    const inviteId = invite.id as string;
    try {
      await this.#deliver(invite, token, expiresAt);
    } catch (error) {
      this.log.warn({ err: error, inviteId }, 'invite delivery failed on resend');
      throw new AppError('unavailable', 'The invite could not be delivered. Please try again.');
    }
    this.log.info({ inviteId }, 'invite sent again');
    invite.expiresAt = expiresAt;
    return this.#lookedUp(invite, 'open');
  }

  async lookup(token: string): Promise<InviteLookupView> {
    const invite = await this.#usable(token);
    return { email: invite.email, displayName: invite.displayName, role: invite.role, expiresAt: invite.expiresAt.toISOString() };
  }

  /** Creates the account. Concurrent accepts of one token: the unique email on `users` lets exactly one through. */
  async accept(body: AcceptInviteBody): Promise<AcceptedInviteView> {
    const invite = await this.#usable(body.token);
    const passwordHash = await hashPassword(body.password);
    try {
      await this.db.users.create({
        email: invite.email,
        displayName: body.displayName ?? invite.displayName,
        role: invite.role,
        agencyUnit: invite.agencyUnit,
        passwordHash,
      });
    } catch (error) {
      if (isDuplicateKey(error)) throw new AppError('invite_used', 'This invite has already been used. Please sign in.');
      throw error;
    }
    await this.invites.updateOne({ _id: invite._id }, { $set: { acceptedAt: this.options.now() } });
    this.log.info({ inviteId: invite.id as string }, 'invite accepted');
    return { email: invite.email, role: invite.role };
  }

  async #usable(token: string): Promise<InviteDocument> {
    const invite = await this.invites.findOne({ tokenHash: hashInviteToken(token) });
    if (!invite) throw new AppError('invite_invalid', 'This invite link is not known.');
    if (invite.acceptedAt || (await this.db.users.exists({ email: invite.email }))) {
      throw new AppError('invite_used', 'This invite has already been used. Please sign in.');
    }
    if (invite.expiresAt <= this.options.now()) throw new AppError('invite_expired', 'This invite link has expired. Ask for a new one.');
    return invite;
  }

  async #invite(adminId: string, body: NewInvite): Promise<{ ok: true; invite: InviteView } | { ok: false; reason: 'already_exists' | 'delivery_failed' }> {
    if (await this.db.users.exists({ email: body.email })) return { ok: false, reason: 'already_exists' };
    const now = this.options.now();
    // An expired invite no longer holds the address.
    await this.invites.deleteOne({ email: body.email, acceptedAt: null, expiresAt: { $lte: now } });
    const token = newInviteToken();
    let invite: InviteDocument;
    try {
      invite = await this.invites.create({
        tokenHash: hashInviteToken(token),
        email: body.email,
        displayName: body.displayName,
        agencyUnit: body.agencyUnit,
        role: body.role,
        invitedBy: adminId,
        expiresAt: new Date(now.getTime() + this.options.ttlHours * 3_600_000),
      });
    } catch (error) {
      if (isDuplicateKey(error)) return { ok: false, reason: 'already_exists' };
      throw error;
    }
    const inviteId = invite.id as string;
    try {
      await this.#deliver(invite, token, invite.expiresAt);
    } catch (error) {
      // Undelivered is as if never invited: the row is reported skipped, and the address is free again.
      this.log.warn({ err: error, inviteId }, 'invite delivery failed; invite withdrawn');
      await this.invites.deleteOne({ _id: invite._id });
      return { ok: false, reason: 'delivery_failed' };
    }
    this.log.info({ inviteId, role: invite.role }, 'invite created');
    return { ok: true, invite: this.#view(invite) };
  }

  async #deliver(invite: InviteDocument, token: string, expiresAt: Date): Promise<void> {
    await this.delivery.deliver({
      inviteId: invite.id as string,
      email: invite.email,
      displayName: invite.displayName,
      role: invite.role,
      link: `${this.options.publicUrl()}/invite/${token}`,
      expiresAt,
    });
  }

  /** Accepted once an account holds its address (even if a crash kept `acceptedAt` from being written). */
  async #state(invite: InviteDocument): Promise<InviteState> {
    if (invite.acceptedAt || (await this.db.users.exists({ email: invite.email }))) return 'accepted';
    return invite.expiresAt <= this.options.now() ? 'expired' : 'open';
  }

  #lookedUp(invite: InviteDocument, state: InviteState): LookedUpInvite {
    const devLink = state === 'open' ? this.delivery.linkFor?.(invite.id as string) : undefined;
    return {
      role: invite.role,
      agencyUnit: invite.agencyUnit,
      state,
      expiresAt: invite.expiresAt.toISOString(),
      ...(devLink ? { devLink } : {}),
    };
  }

  #view(invite: InviteDocument): InviteView {
    const devLink = this.delivery.linkFor?.(invite.id as string);
    return {
      id: invite.id as string,
      email: invite.email,
      displayName: invite.displayName,
      agencyUnit: invite.agencyUnit,
      role: invite.role,
      expiresAt: invite.expiresAt.toISOString(),
      ...(devLink ? { devLink } : {}),
    };
  }

  #unitAllowed(unit: string): boolean {
    return !this.options.agencyUnits || this.options.agencyUnits.includes(unit);
  }

  #checkUnit(unit: string): void {
    if (!this.#unitAllowed(unit)) {
      throw new AppError('invalid_payload', `Unknown agency unit: use one of ${this.options.agencyUnits?.join(', ') ?? ''}.`, [
        { path: 'agencyUnit', message: 'is not one of the configured units' },
      ]);
    }
  }
}

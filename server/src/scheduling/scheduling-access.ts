import type { CurrentUser, Role } from '@care/shared';
import { AppError } from '../errors.js';

/**
 * Who may do what in scheduling. An administrator is refused everything here:
 * the programme is employer-blind, so staff see counts (reporting), never who
 * booked whom. The services check this themselves; the router only repeats
 * the admin rule so that every endpoint answers an admin the same way.
 */
export function refuseAdmin(user: Pick<CurrentUser, 'role'>): void {
  if (user.role === 'admin') throw new AppError('forbidden', 'Administrators see counts only, never who books whom.');
}

const roleNames: Record<Role, string> = { asn: 'ASN clients', counselor: 'counselors', admin: 'administrators' };

export function requireRole(user: Pick<CurrentUser, 'role'>, allowed: readonly Role[], action: string): void {
  refuseAdmin(user);
  if (!allowed.includes(user.role)) throw new AppError('forbidden', `Only ${allowed.map((r) => roleNames[r]).join(' and ')} can ${action}.`);
}

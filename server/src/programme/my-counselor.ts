import type { AllowanceView, CurrentUser, MyCounselorView } from '@care/shared';
import type { Database } from '../db/database.js';
import { programmeYearOf, type AllowanceSeats } from '../scheduling/allowance-seats.js';
import type { AvailabilityService } from '../scheduling/availability-service.js';
import { requireRole } from '../scheduling/scheduling-access.js';

/** How many of the counselor's next free times "Konselor saya" offers, each one step from a booking. */
export const MY_COUNSELOR_SLOTS = 6;

/**
 * "Konselor saya": after a first session (a live appointment that has begun;
 * a cancelled one is not a session), the counselor of the latest one, their
 * next free times to book again in one step, the next session already
 * booked with them, and the allowance — all before booking.
 */
export class MyCounselor {
  constructor(
    private readonly db: Database,
    private readonly availability: AvailabilityService,
    private readonly allowance: AllowanceSeats,
    private readonly now: () => Date,
  ) {}

  async allowanceOf(user: CurrentUser): Promise<AllowanceView> {
    requireRole(user, ['asn'], 'have a session allowance');
    return this.allowance.view(user.id, programmeYearOf(this.now()));
  }

  async view(user: CurrentUser): Promise<MyCounselorView> {
    requireRole(user, ['asn'], 'have a counselor');
    const now = this.now();
    const [latest, allowance] = await Promise.all([
      this.db.appointments.findOne({ clientId: user.id, startsAt: { $lt: now } }).sort({ startsAt: -1 }).select({ counselorId: 1, startsAt: 1 }).lean(),
      this.allowance.view(user.id, programmeYearOf(now)),
    ]);
    const none = { counselor: null, lastSessionAt: latest?.startsAt.toISOString() ?? null, nextSession: null, allowance };
    if (!latest) return none;
    const counselorId = latest.counselorId.toString();
    const account = await this.availability.bookableCounselor(counselorId);
    // A counselor who has left the programme is nobody's counselor any more.
    if (!account) return none;
    const [slots, next] = await Promise.all([
      this.availability.slots(user, counselorId, {}),
      this.db.appointments.findOne({ clientId: user.id, counselorId, startsAt: { $gte: now } }).sort({ startsAt: 1 }).select({ startsAt: 1 }).lean(),
    ]);
    return {
      counselor: {
        id: counselorId,
        displayName: account.displayName,
        timeZone: slots.timeZone,
        sessionMinutes: slots.sessionMinutes,
        nextSlots: slots.slots.slice(0, MY_COUNSELOR_SLOTS),
      },
      lastSessionAt: latest.startsAt.toISOString(),
      nextSession: next ? { id: next._id.toString(), startsAt: next.startsAt.toISOString() } : null,
      allowance,
    };
  }
}

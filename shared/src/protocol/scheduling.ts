import { z } from 'zod';
import { ObjectIdString } from '../domain.js';
import { AppointmentView } from './appointments.js';
import { availabilitySettingsShape, checkRanges, WeeklyRange } from '../scheduling/availability.js';
import { CalendarDateString } from '../scheduling/calendar-date.js';
import { CounselorGender, CounselorLanguage, counselorProfileShape, Speciality } from '../scheduling/counselor-profile.js';
import { TimeZoneName } from '../scheduling/time-zones.js';

/*
 * REST bodies and answers of scheduling (/api/scheduling). Metadata only:
 * who meets whom, when, status — and for a cancellation, who cancelled and a
 * reason code. Never free text.
 */

/** An instant with an explicit offset ('2026-03-02T02:00:00Z' or '…+07:00'); read as that exact instant. */
export const Instant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with Z or an offset' });

/**
 * PUT /availability: the counselor's whole availability and profile
 * (languages, specialities), replacing what was there. The time zone may be
 * left out (the server then takes the counselor's own).
 */
export const PutAvailabilityBody = z
  .strictObject({ timeZone: TimeZoneName.optional(), ...availabilitySettingsShape, ...counselorProfileShape })
  .superRefine(checkRanges);
export type PutAvailabilityBody = z.infer<typeof PutAvailabilityBody>;

export const AvailabilityView = z.object({
  counselorId: z.string(),
  timeZone: z.string(),
  weekly: z.array(WeeklyRange),
  exceptions: z.array(CalendarDateString),
  sessionMinutes: z.number(),
  bufferMinutes: z.number(),
  maxPerDay: z.number(),
  minNoticeHours: z.number(),
  horizonDays: z.number(),
  languages: z.array(CounselorLanguage),
  specialities: z.array(Speciality),
  gender: CounselorGender.nullable(),
  /** When the counselor last saved it; null while they have set none (the view then shows the defaults). */
  updatedAt: z.string().nullable(),
});
export type AvailabilityView = z.infer<typeof AvailabilityView>;

export const CounselorParams = z.strictObject({ counselorId: ObjectIdString });
export type CounselorParams = z.infer<typeof CounselorParams>;

export const BookingParams = z.strictObject({ bookingId: ObjectIdString });
export type BookingParams = z.infer<typeof BookingParams>;

/** A time range in a query string; both ends optional (the server fills sensible ones). */
export const InstantRangeQuery = z
  .strictObject({ from: Instant.optional(), to: Instant.optional() })
  .refine((q) => !q.from || !q.to || Date.parse(q.to) > Date.parse(q.from), { message: 'to must be after from', path: ['to'] });
export type InstantRangeQuery = z.infer<typeof InstantRangeQuery>;

export const CreateBookingBody = z.strictObject({ counselorId: ObjectIdString, startsAt: Instant });
export type CreateBookingBody = z.infer<typeof CreateBookingBody>;

export const RescheduleBookingBody = z.strictObject({ startsAt: Instant });
export type RescheduleBookingBody = z.infer<typeof RescheduleBookingBody>;

/** Why a counselor cancels; the web shows a message template for each. No free text. */
export const CounselorCancelReason = z.enum(['counselor_unwell', 'counselor_emergency', 'counselor_unavailable', 'scheduling_error']);
export type CounselorCancelReason = z.infer<typeof CounselorCancelReason>;

/** As stored: a counselor's reason, or what happened when the ASN changed it. */
export const CancelReason = z.enum([...CounselorCancelReason.options, 'client_cancelled', 'rescheduled']);
export type CancelReason = z.infer<typeof CancelReason>;

/** A counselor must give a reason code; an ASN gives none. */
export const CancelBookingBody = z.strictObject({ reason: CounselorCancelReason.optional() });
export type CancelBookingBody = z.infer<typeof CancelBookingBody>;

export const SlotView = z.object({ startsAt: z.string(), endsAt: z.string() });
export type SlotView = z.infer<typeof SlotView>;

export const CounselorSlotsView = z.object({
  counselorId: z.string(),
  timeZone: z.string(),
  sessionMinutes: z.number(),
  slots: z.array(SlotView),
});
export type CounselorSlotsView = z.infer<typeof CounselorSlotsView>;

/** What an ASN sees of a counselor when choosing one. */
export const CounselorSummary = z.object({
  id: z.string(),
  displayName: z.string(),
  timeZone: z.string(),
  sessionMinutes: z.number(),
  languages: z.array(CounselorLanguage),
  specialities: z.array(Speciality),
  /** Only when the counselor chose to state it. */
  gender: CounselorGender.nullable(),
  nextSlots: z.array(SlotView),
});
export type CounselorSummary = z.infer<typeof CounselorSummary>;

/**
 * POST /counselors/search {language?, speciality?}: only counselors offering
 * both. What someone filters by can say why they seek help, so it travels in
 * the body, never the URL (which proxies log and browsers keep in history),
 * and is neither logged nor stored, only applied to this one answer.
 * `GET /counselors` is the unfiltered list and takes no parameters.
 */
export const CounselorQuery = z.strictObject({ language: CounselorLanguage.optional(), speciality: Speciality.optional() });
export type CounselorQuery = z.infer<typeof CounselorQuery>;

/** Pushed to both people of a booking when it changes, so calendars update live. */
export const CalendarChanged = z.object({
  bookingId: z.string(),
  change: z.enum(['booked', 'rescheduled', 'cancelled']),
});
export type CalendarChanged = z.infer<typeof CalendarChanged>;

/** An appointment as the booking API shows it: the session view plus what can still change. */
export const BookingView = AppointmentView.extend({
  /** The last moment the ASN may reschedule or cancel it themselves; null once it is cancelled. */
  changeableUntil: z.string().nullable(),
  cancelledBy: z.enum(['asn', 'counselor']).nullable(),
  cancelReason: CancelReason.nullable(),
  /** For a booking moved by a reschedule: the booking that replaced it. */
  rescheduledTo: z.string().nullable(),
});
export type BookingView = z.infer<typeof BookingView>;

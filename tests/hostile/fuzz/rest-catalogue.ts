import {
  AcceptInviteBody,
  AccountActiveBody,
  AccountLookupBody,
  ChangePasswordBody,
  AllowanceCountsQuery,
  ClientParams,
  ContributeEvaluationBody,
  GrantAllowanceBody,
  ProposalParams,
  ProposeFollowUpBody,
  CompletePasswordResetBody,
  PasswordResetCheckBody,
  PasswordResetRequestBody,
  PendingInviteQuery,
  ResendInviteBody,
  AppointmentParams,
  BookingParams,
  CancelBookingBody,
  CircleParams,
  ConsentBody,
  CounselorParams,
  CounselorQuery,
  CreateBookingBody,
  CreateCircleBody,
  CreateInviteBody,
  CsvInviteBody,
  Empty,
  InstantRangeQuery,
  InviteParams,
  LoginBody,
  NotificationSettingsBody,
  PutAvailabilityBody,
  ReportQuery,
  RescheduleBookingBody,
  SessionParams,
  SetActiveBody,
  SetLocaleBody,
  SetTimeZoneBody,
  TotpConfirmBody,
  TotpDisableBody,
  TotpLoginBody,
  UserListQuery,
  UserParams,
} from '@care/shared';
import type { z } from 'zod';

/** What one route reads, each part by its shared schema; a part it does not read is fuzzed all the same. */
export interface RouteInput {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
}

/**
 * Every HTTP route the server has, as `METHOD /path` the way Express lists
 * it, with the schemas of what it reads. The fuzz test enumerates the live
 * router and fails on a route missing here (or an entry left after its route
 * is gone), so a new route cannot escape the fuzzing by being forgotten.
 */
export const restCatalogue: Record<string, RouteInput> = {
  'GET /healthz': {},
  'GET /readyz': {},
  'GET /metrics': {},

  'POST /api/auth/login': { body: LoginBody },
  'POST /api/auth/login/totp': { body: TotpLoginBody },
  'POST /api/auth/logout': {},
  'GET /api/auth/csrf': {},
  'GET /api/auth/me': {},
  'POST /api/auth/locale': { body: SetLocaleBody },
  'POST /api/auth/time-zone': { body: SetTimeZoneBody },
  'POST /api/auth/consent': { body: ConsentBody },
  'POST /api/auth/password': { body: ChangePasswordBody },
  'POST /api/auth/password-reset': { body: PasswordResetRequestBody },
  'POST /api/auth/password-reset/check': { body: PasswordResetCheckBody },
  'POST /api/auth/password-reset/complete': { body: CompletePasswordResetBody },

  'GET /api/appointments': {},
  'GET /api/appointments/:appointmentId': { params: AppointmentParams },
  'GET /api/sessions/:sessionId': { params: SessionParams },

  'GET /api/scheduling/counselors': { query: Empty },
  'POST /api/scheduling/counselors/search': { body: CounselorQuery },
  'GET /api/scheduling/counselors/:counselorId/slots': { params: CounselorParams, query: InstantRangeQuery },
  'GET /api/scheduling/availability': {},
  'PUT /api/scheduling/availability': { body: PutAvailabilityBody },
  'GET /api/scheduling/bookings': { query: InstantRangeQuery },
  'POST /api/scheduling/bookings': { body: CreateBookingBody },
  'POST /api/scheduling/bookings/:bookingId/reschedule': { params: BookingParams, body: RescheduleBookingBody },
  'GET /api/scheduling/bookings/:bookingId/calendar.ics': { params: BookingParams },
  'POST /api/scheduling/bookings/:bookingId/cancel': { params: BookingParams, body: CancelBookingBody },

  'GET /api/programme/allowance': { query: Empty },
  'GET /api/programme/my-counselor': { query: Empty },
  'GET /api/programme/caseload': { query: Empty },
  'POST /api/programme/caseload/:clientId/grants': { params: ClientParams, body: GrantAllowanceBody },
  'GET /api/programme/proposals': { query: Empty },
  'POST /api/programme/proposals': { body: ProposeFollowUpBody },
  'POST /api/programme/proposals/:proposalId/accept': { params: ProposalParams, body: Empty },
  'POST /api/programme/proposals/:proposalId/decline': { params: ProposalParams, body: Empty },
  'POST /api/programme/evaluation': { body: ContributeEvaluationBody },

  'GET /api/circles': {},
  'POST /api/circles': { body: CreateCircleBody },
  'GET /api/circles/mine': {},
  'GET /api/circles/counts': {},
  'GET /api/circles/:circleId/members': { params: CircleParams },
  'GET /api/circles/:circleId/calendar.ics': { params: CircleParams },
  'POST /api/circles/:circleId/enrol': { params: CircleParams, body: Empty },
  'POST /api/circles/:circleId/leave': { params: CircleParams, body: Empty },
  'POST /api/circles/:circleId/cancel': { params: CircleParams, body: Empty },

  'GET /api/network-check': {},
  'GET /api/help-lines': {},
  'GET /api/dev/outbox': {},

  'GET /api/account/notifications': {},
  'PUT /api/account/notifications': { body: NotificationSettingsBody },
  'GET /api/account/security': {},
  'POST /api/account/totp/setup': {},
  'POST /api/account/totp/confirm': { body: TotpConfirmBody },
  'POST /api/account/totp/disable': { body: TotpDisableBody },

  'GET /api/invites/:token': { params: InviteParams },
  'POST /api/invites/accept': { body: AcceptInviteBody },

  'GET /api/admin/users': { query: UserListQuery },
  'POST /api/admin/users/:userId/active': { params: UserParams, body: SetActiveBody },
  'POST /api/admin/accounts/lookup': { body: AccountLookupBody },
  'POST /api/admin/accounts/active': { body: AccountActiveBody },
  'GET /api/admin/invites': { query: PendingInviteQuery },
  'GET /api/admin/invites/counts': { query: Empty },
  'POST /api/admin/invites/resend': { body: ResendInviteBody },
  'POST /api/admin/invites': { body: CreateInviteBody },
  'POST /api/admin/invites/csv': { body: CsvInviteBody },
  'GET /api/admin/reports': { query: ReportQuery },
  'GET /api/admin/reports/allowance': { query: AllowanceCountsQuery },

  // The web app: any other path gets the app shell (client-side routes).
  'GET /offline': {},
  'GET /offline.html': {},
  'GET /{*path}': {},
};

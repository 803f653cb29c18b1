import type {
  AcceptInviteBody,
  AcceptReferralBody,
  ChangePasswordBody,
  CompletePasswordResetBody,
  ContributeEvaluationBody,
  CounselorCancelReason,
  CounselorQuery,
  CreateBookingBody,
  CreateCircleBody,
  CreateInviteBody,
  CreateReferralBody,
  FeedbackBody,
  GrantAllowanceBody,
  Locale,
  LoginBody,
  MatchRequest,
  NotificationSettingsBody,
  ProposeFollowUpBody,
  PutAvailabilityBody,
  StaffRole,
  TotpLoginBody,
} from '@care/shared';
import {
  AcceptProposalResult,
  AcceptedInviteView,
  AccountLookupView,
  AllowanceCountsView,
  AllowanceView,
  AppointmentView,
  AvailabilityView,
  BookingView,
  CaseloadView,
  CircleView,
  CounselorSlotsView,
  CounselorSummary,
  CsrfTokenView,
  CsvInviteReport,
  CurrentUser,
  EnrolResult,
  EvaluationContributionView,
  FacilitatedCircleView,
  FeedbackStatus,
  InviteCountsView,
  InviteLookupView,
  InviteView,
  LeaveResult,
  LoginAnswer,
  LookedUpAccount,
  LookedUpInvite,
  ManagedUserView,
  MatchView,
  MyCounselorView,
  NotificationSettingsView,
  OutboxList,
  PassphraseCheckView,
  PasswordResetLinkView,
  ProgrammeReportView,
  ProposalView,
  ProposeFollowUpResult,
  RecoveryCodesView,
  ReferralAsnView,
  ReferralStaffView,
  ReportView,
  SealedNoteView,
  SecurityView,
  SessionView,
  TotpSetupView,
  ErrorBodySchema,
} from '@care/shared';
import { sessionlessApiPaths } from '@care/shared';
import { z } from 'zod';
import { ApiError } from './api-error.js';

const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Calls that have no session yet, so no CSRF token either. */
const sessionless = new Set<string>(sessionlessApiPaths);

/**
 * The session's CSRF token, fetched once per session and sent as
 * X-CSRF-Token on every state-changing call; forgotten when the session
 * changes (sign-in, sign-out) or when the server no longer accepts it.
 */
let csrfToken: Promise<string> | undefined;

function currentCsrfToken(): Promise<string> {
  csrfToken ??= send(CsrfTokenView, '/auth/csrf', {}).then(
    (view) => view.token,
    (error: unknown) => {
      csrfToken = undefined;
      throw error;
    },
  );
  return csrfToken;
}

export function forgetCsrfToken(): void {
  csrfToken = undefined;
}

/** Answers with no data of their own (a sign-out, a reset asked for). */
const Nothing = z.object({}).strict();
/** The demo device's samples are served (development and demo builds only). */
const DemoDeviceSamples = z.object({ samples: z.literal(true) });
/** The private note that was removed. */
const RemovedNote = z.object({ noteId: z.string() });

/**
 * One REST call. The answer is checked against its schema from the shared
 * protocol, or the error body's, as socket answers are: the server is not
 * trusted with the page's state, and an answer that does not match is
 * refused as `invalid_payload` and named (its path, without the query) on
 * the console.
 */
async function send<T>(schema: z.ZodType<T>, path: string, init: RequestInit, extraHeaders: Record<string, string> = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`/api${path}`, {
      ...init,
      credentials: 'same-origin',
      headers: { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}), ...extraHeaders },
    });
  } catch {
    throw new ApiError('network', 'network error');
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new ApiError('internal', `unexpected response (${response.status})`);
  }
  const answer = typeof body === 'object' && body !== null ? (body as { ok?: unknown; data?: unknown; error?: unknown }) : {};
  if (answer.ok === true) {
    const data = schema.safeParse(answer.data);
    if (data.success) return data.data;
  } else if (answer.ok === false) {
    const error = ErrorBodySchema.safeParse(answer.error);
    if (error.success) throw ApiError.from(error.data);
  }
  const route = path.split('?')[0] ?? path;
  console.warn(`dropped a malformed server answer: /api${route}`);
  throw new ApiError('invalid_payload', `/api${route}: the server's answer did not match the protocol`);
}

async function call<T>(schema: z.ZodType<T>, path: string, init: RequestInit = {}): Promise<T> {
  const method = (init.method ?? 'GET').toUpperCase();
  if (!unsafeMethods.has(method) || sessionless.has(path)) return send(schema, path, init);
  const withToken = async () => send(schema, path, init, { 'x-csrf-token': await currentCsrfToken() });
  try {
    return await withToken();
  } catch (error) {
    // A token from an earlier session: fetch this session's and try once more.
    if (!(error instanceof ApiError) || error.code !== 'csrf_invalid') throw error;
    forgetCsrfToken();
    return withToken();
  }
}

/** The REST API, typed by the shared protocol. */
export const api = {
  login: async (body: LoginBody) => {
    forgetCsrfToken();
    return call(LoginAnswer, '/auth/login', { method: 'POST', body: JSON.stringify(body) });
  },
  loginTotp: async (body: TotpLoginBody) => {
    forgetCsrfToken();
    return call(CurrentUser, '/auth/login/totp', { method: 'POST', body: JSON.stringify(body) });
  },
  logout: async () => {
    const done = await call(Nothing, '/auth/logout', { method: 'POST', body: '{}' });
    forgetCsrfToken();
    return done;
  },
  me: () => call(CurrentUser, '/auth/me'),
  setLocale: (locale: Locale) => call(CurrentUser, '/auth/locale', { method: 'POST', body: JSON.stringify({ locale }) }),
  setTimeZone: (timeZone: string) => call(CurrentUser, '/auth/time-zone', { method: 'POST', body: JSON.stringify({ timeZone }) }),
  acceptConsent: () => call(CurrentUser, '/auth/consent', { method: 'POST', body: JSON.stringify({ accepted: true }) }),
  appointments: () => call(z.array(AppointmentView), '/appointments'),
  appointment: (appointmentId: string) => call(AppointmentView, `/appointments/${encodeURIComponent(appointmentId)}`),
  session: (sessionId: string) => call(SessionView, `/sessions/${encodeURIComponent(sessionId)}`),

  // Scheduling (/api/scheduling).
  // The filter can say why someone seeks help: it travels in the body, never in a URL (proxy logs, history).
  counselors: (filter: CounselorQuery = {}) => call(z.array(CounselorSummary), '/scheduling/counselors/search', { method: 'POST', body: JSON.stringify(filter) }),
  counselorSlots: (counselorId: string, range: { from?: string; to?: string } = {}) =>
    call(CounselorSlotsView, `/scheduling/counselors/${encodeURIComponent(counselorId)}/slots${query(range)}`),
  availability: () => call(AvailabilityView, '/scheduling/availability'),
  saveAvailability: (body: PutAvailabilityBody) => call(AvailabilityView, '/scheduling/availability', { method: 'PUT', body: JSON.stringify(body) }),
  bookings: (range: { from?: string; to?: string } = {}) => call(z.array(BookingView), `/scheduling/bookings${query(range)}`),
  book: (body: CreateBookingBody) => call(BookingView, '/scheduling/bookings', { method: 'POST', body: JSON.stringify(body) }),
  reschedule: (bookingId: string, startsAt: string) =>
    call(BookingView, `/scheduling/bookings/${encodeURIComponent(bookingId)}/reschedule`, { method: 'POST', body: JSON.stringify({ startsAt }) }),
  cancelBooking: (bookingId: string, reason?: CounselorCancelReason) =>
    call(BookingView, `/scheduling/bookings/${encodeURIComponent(bookingId)}/cancel`, {
      method: 'POST',
      body: JSON.stringify(reason ? { reason } : {}),
    }),

  // Circles (/api/circles): GET /circles answers by role.
  openCircles: () => call(z.array(CircleView), '/circles'),
  myCircles: () => call(z.array(CircleView), '/circles/mine'),
  facilitatedCircles: () => call(z.array(FacilitatedCircleView), '/circles'),
  createCircle: (body: CreateCircleBody) => call(FacilitatedCircleView, '/circles', { method: 'POST', body: JSON.stringify(body) }),
  enrol: (circleId: string) => call(EnrolResult, `/circles/${encodeURIComponent(circleId)}/enrol`, { method: 'POST', body: '{}' }),
  leaveCircle: (circleId: string) => call(LeaveResult, `/circles/${encodeURIComponent(circleId)}/leave`, { method: 'POST', body: '{}' }),
  circleCalendarFileUrl: (circleId: string) => `/api/circles/${encodeURIComponent(circleId)}/calendar.ics`,
  cancelCircle: (circleId: string) => call(FacilitatedCircleView, `/circles/${encodeURIComponent(circleId)}/cancel`, { method: 'POST', body: '{}' }),
  /** Where one's own booking is downloaded as a calendar file (a plain link: the browser saves it). */
  calendarFileUrl: (bookingId: string) => `/api/scheduling/bookings/${encodeURIComponent(bookingId)}/calendar.ics`,

  // Development without SMTP_URL only: the email sent to the signed-in person.
  devOutbox: () => call(OutboxList, '/dev/outbox'),
  // A seeded demo only: whether an ASN's page may fill the device with the sample plan and check-ins.
  demoDevice: () => call(DemoDeviceSamples, '/dev/demo-device'),
};

/** The programme around the sessions (/api/programme): the allowance, "my counselor", the caseload, follow-up proposals. */
export const programmeApi = {
  allowance: () => call(AllowanceView, '/programme/allowance'),
  myCounselor: () => call(MyCounselorView, '/programme/my-counselor'),
  caseload: () => call(CaseloadView, '/programme/caseload'),
  grant: (clientId: string, body: GrantAllowanceBody) =>
    call(AllowanceView, `/programme/caseload/${encodeURIComponent(clientId)}/grants`, { method: 'POST', body: JSON.stringify(body) }),
  proposals: () => call(z.array(ProposalView), '/programme/proposals'),
  propose: (body: ProposeFollowUpBody) => call(ProposeFollowUpResult, '/programme/proposals', { method: 'POST', body: JSON.stringify(body) }),
  accept: (proposalId: string) => call(AcceptProposalResult, `/programme/proposals/${encodeURIComponent(proposalId)}/accept`, { method: 'POST', body: '{}' }),
  decline: (proposalId: string) => call(ProposalView, `/programme/proposals/${encodeURIComponent(proposalId)}/decline`, { method: 'POST', body: '{}' }),
  /** An intake's match request (language, gender preference, speciality) in the body; the rest of the intake stays on the device. */
  match: (body: MatchRequest) => call(MatchView, '/programme/match', { method: 'POST', body: JSON.stringify(body) }),
  /** The opt-in evaluation: a change category only (issue 13 §4). */
  contribute: (body: ContributeEvaluationBody) => call(EvaluationContributionView, '/programme/evaluation', { method: 'POST', body: JSON.stringify(body) }),
};

/** A counselor's private notes (/api/programme/notes): sealed in the browser, stored and returned as ciphertext only. */
export const notesApi = {
  passphraseCheck: () => call(PassphraseCheckView, '/programme/notes/check'),
  setPassphraseCheck: (sealedCheck: string) => call(PassphraseCheckView, '/programme/notes/check', { method: 'PUT', body: JSON.stringify({ sealedCheck }) }),
  list: (clientId: string) => call(z.array(SealedNoteView), `/programme/notes/${encodeURIComponent(clientId)}`),
  put: (clientId: string, noteId: string, sealedCiphertext: string) =>
    call(SealedNoteView, `/programme/notes/${encodeURIComponent(clientId)}/${encodeURIComponent(noteId)}`, {
      method: 'PUT',
      body: JSON.stringify({ sealedCiphertext }),
    }),
  remove: (clientId: string, noteId: string) =>
    call(RemovedNote, `/programme/notes/${encodeURIComponent(clientId)}/${encodeURIComponent(noteId)}`, { method: 'DELETE', body: '{}' }),
};

/** Referral with consent (issue 13 §5): staff record and follow; the ASN answers their own. */
export const referralApi = {
  list: () => call(z.array(ReferralStaffView), '/referrals'),
  create: (body: CreateReferralBody) => call(ReferralStaffView, '/referrals', { method: 'POST', body: JSON.stringify(body) }),
  mine: () => call(z.array(ReferralAsnView), '/referrals/mine'),
  accept: (id: string, body: AcceptReferralBody) => call(ReferralAsnView, `/referrals/${encodeURIComponent(id)}/accept`, { method: 'POST', body: JSON.stringify(body) }),
  decline: (id: string) => call(ReferralAsnView, `/referrals/${encodeURIComponent(id)}/decline`, { method: 'POST', body: '{}' }),
  withdraw: (id: string) => call(ReferralAsnView, `/referrals/${encodeURIComponent(id)}/withdraw`, { method: 'POST', body: '{}' }),
  attendanceConsent: (id: string, consent: boolean) =>
    call(ReferralAsnView, `/referrals/${encodeURIComponent(id)}/attendance-consent`, { method: 'POST', body: JSON.stringify({ consent }) }),
};

/** Session feedback (issue 13 §8) and the programme's report lines (§9). */
export const feedbackApi = {
  status: (appointmentId: string) => call(FeedbackStatus, `/feedback/${encodeURIComponent(appointmentId)}`),
  rate: (body: FeedbackBody) => call(FeedbackStatus, '/feedback', { method: 'POST', body: JSON.stringify(body) }),
  programmeReport: (year: number) => call(ProgrammeReportView, `/admin/reports/programme${query({ year: String(year) })}`),
};

/** Accounts: invites, people management, the report, and one's own security settings. */
export const accountsApi = {
  invite: (token: string) => call(InviteLookupView, `/invites/${encodeURIComponent(token)}`),
  acceptInvite: (body: AcceptInviteBody) => call(AcceptedInviteView, '/invites/accept', { method: 'POST', body: JSON.stringify(body) }),

  /** Staff only: counselors or administrators. ASN are never listed. */
  users: (role: StaffRole) => call(z.array(ManagedUserView), `/admin/users${query({ role })}`),
  setActive: (userId: string, active: boolean) =>
    call(ManagedUserView, `/admin/users/${encodeURIComponent(userId)}/active`, { method: 'POST', body: JSON.stringify({ active }) }),
  /** One account or invite by its exact address, in the body (an address in a URL ends up in logs). */
  lookupAccount: (email: string) => call(AccountLookupView, '/admin/accounts/lookup', { method: 'POST', body: JSON.stringify({ email }) }),
  setActiveByEmail: (email: string, active: boolean) =>
    call(LookedUpAccount, '/admin/accounts/active', { method: 'POST', body: JSON.stringify({ email, active }) }),
  resendInvite: (email: string) => call(LookedUpInvite, '/admin/invites/resend', { method: 'POST', body: JSON.stringify({ email }) }),
  inviteCounts: () => call(InviteCountsView, '/admin/invites/counts'),
  pendingCounselorInvites: () => call(z.array(InviteView), `/admin/invites${query({ role: 'counselor' })}`),
  createInvite: (body: CreateInviteBody) => call(InviteView, '/admin/invites', { method: 'POST', body: JSON.stringify(body) }),
  importInvites: (csv: string) => call(CsvInviteReport, '/admin/invites/csv', { method: 'POST', body: JSON.stringify({ csv }) }),
  report: (from: string, to: string) => call(ReportView, `/admin/reports${query({ from, to })}`),
  allowanceCounts: (year: number) => call(AllowanceCountsView, `/admin/reports/allowance${query({ year: String(year) })}`),

  security: () => call(SecurityView, '/account/security'),
  totpSetup: () => call(TotpSetupView, '/account/totp/setup', { method: 'POST', body: '{}' }),
  // Turning the second factor on or off gives the session a new cookie, and so a new CSRF token.
  totpConfirm: (code: string) =>
    renewing(call(RecoveryCodesView, '/account/totp/confirm', { method: 'POST', body: JSON.stringify({ code }) })),
  totpDisable: (code: string) => renewing(call(SecurityView, '/account/totp/disable', { method: 'POST', body: JSON.stringify({ code }) })),

  notificationSettings: () => call(NotificationSettingsView, '/account/notifications'),
  saveNotificationSettings: (body: NotificationSettingsBody) =>
    call(NotificationSettingsView, '/account/notifications', { method: 'PUT', body: JSON.stringify(body) }),
};

/** Passwords: one's own change (a new cookie follows), and the emailed reset (no session). */
export const passwordApi = {
  change: (body: ChangePasswordBody) => renewing(call(CurrentUser, '/auth/password', { method: 'POST', body: JSON.stringify(body) })),
  requestReset: (email: string) => call(Nothing, '/auth/password-reset', { method: 'POST', body: JSON.stringify({ email }) }),
  checkReset: (token: string) => call(PasswordResetLinkView, '/auth/password-reset/check', { method: 'POST', body: JSON.stringify({ token }) }),
  completeReset: async (body: CompletePasswordResetBody) => {
    const done = await call(Nothing, '/auth/password-reset/complete', { method: 'POST', body: JSON.stringify(body) });
    forgetCsrfToken();
    return done;
  },
};

/** A call whose answer renews the session cookie: the CSRF token of the old one is forgotten. */
async function renewing<T>(answer: Promise<T>): Promise<T> {
  const data = await answer;
  forgetCsrfToken();
  return data;
}

function query(params: Record<string, string | undefined>): string {
  const entries = Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return entries.length ? `?${new URLSearchParams(entries).toString()}` : '';
}

import type {
  Ack,
  AppointmentView,
  AvailabilityView,
  BookingView,
  CircleView,
  CreateCircleBody,
  EnrolResult,
  FacilitatedCircleView,
  LeaveResult,
  CounselorCancelReason,
  CounselorSlotsView,
  CounselorSummary,
  CreateBookingBody,
  CurrentUser,
  SessionView,
  LoginBody,
  OutboxList,
  PutAvailabilityBody,
} from '@care/shared';
import { ApiError } from './api-error.js';

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`/api${path}`, {
      ...init,
      credentials: 'same-origin',
      headers: { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}) },
    });
  } catch {
    throw new ApiError('network', 'network error');
  }
  let body: Ack<T>;
  try {
    body = (await response.json()) as Ack<T>;
  } catch {
    throw new ApiError('internal', `unexpected response (${response.status})`);
  }
  if (!body.ok) throw ApiError.from(body.error);
  return body.data;
}

/** The REST API, typed by the shared protocol. */
export const api = {
  login: (body: LoginBody) => call<CurrentUser>('/auth/login', { method: 'POST', body: JSON.stringify(body) }),
  logout: () => call<Record<string, never>>('/auth/logout', { method: 'POST', body: '{}' }),
  me: () => call<CurrentUser>('/auth/me'),
  acceptConsent: () => call<CurrentUser>('/auth/consent', { method: 'POST', body: JSON.stringify({ accepted: true }) }),
  appointments: () => call<AppointmentView[]>('/appointments'),
  appointment: (appointmentId: string) => call<AppointmentView>(`/appointments/${encodeURIComponent(appointmentId)}`),
  session: (sessionId: string) => call<SessionView>(`/sessions/${encodeURIComponent(sessionId)}`),

  // Scheduling (/api/scheduling).
  counselors: () => call<CounselorSummary[]>('/scheduling/counselors'),
  counselorSlots: (counselorId: string, range: { from?: string; to?: string } = {}) =>
    call<CounselorSlotsView>(`/scheduling/counselors/${encodeURIComponent(counselorId)}/slots${query(range)}`),
  availability: () => call<AvailabilityView>('/scheduling/availability'),
  saveAvailability: (body: PutAvailabilityBody) => call<AvailabilityView>('/scheduling/availability', { method: 'PUT', body: JSON.stringify(body) }),
  bookings: (range: { from?: string; to?: string } = {}) => call<BookingView[]>(`/scheduling/bookings${query(range)}`),
  book: (body: CreateBookingBody) => call<BookingView>('/scheduling/bookings', { method: 'POST', body: JSON.stringify(body) }),
  reschedule: (bookingId: string, startsAt: string) =>
    call<BookingView>(`/scheduling/bookings/${encodeURIComponent(bookingId)}/reschedule`, { method: 'POST', body: JSON.stringify({ startsAt }) }),
  cancelBooking: (bookingId: string, reason?: CounselorCancelReason) =>
    call<BookingView>(`/scheduling/bookings/${encodeURIComponent(bookingId)}/cancel`, {
      method: 'POST',
      body: JSON.stringify(reason ? { reason } : {}),
    }),

  // Circles (/api/circles): GET /circles answers by role.
  openCircles: () => call<CircleView[]>('/circles'),
  myCircles: () => call<CircleView[]>('/circles/mine'),
  facilitatedCircles: () => call<FacilitatedCircleView[]>('/circles'),
  createCircle: (body: CreateCircleBody) => call<FacilitatedCircleView>('/circles', { method: 'POST', body: JSON.stringify(body) }),
  enrol: (circleId: string) => call<EnrolResult>(`/circles/${encodeURIComponent(circleId)}/enrol`, { method: 'POST', body: '{}' }),
  leaveCircle: (circleId: string) => call<LeaveResult>(`/circles/${encodeURIComponent(circleId)}/leave`, { method: 'POST', body: '{}' }),
  circleCalendarFileUrl: (circleId: string) => `/api/circles/${encodeURIComponent(circleId)}/calendar.ics`,
  cancelCircle: (circleId: string) => call<FacilitatedCircleView>(`/circles/${encodeURIComponent(circleId)}/cancel`, { method: 'POST', body: '{}' }),
  /** Where one's own booking is downloaded as a calendar file (a plain link: the browser saves it). */
  calendarFileUrl: (bookingId: string) => `/api/scheduling/bookings/${encodeURIComponent(bookingId)}/calendar.ics`,

  // Development without SMTP_URL only: the email sent to the signed-in person.
  devOutbox: () => call<OutboxList>('/dev/outbox'),
};

function query(params: Record<string, string | undefined>): string {
  const entries = Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return entries.length ? `?${new URLSearchParams(entries).toString()}` : '';
}

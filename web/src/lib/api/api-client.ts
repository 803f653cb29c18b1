import type { Ack, AppointmentView, CurrentUser, LoginBody } from '@care/shared';
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
};

import {
  BookingParams,
  CancelBookingBody,
  CounselorParams,
  CounselorQuery,
  CreateBookingBody,
  Empty,
  InstantRangeQuery,
  PutAvailabilityBody,
  RescheduleBookingBody,
} from '@care/shared';
import { Router } from 'express';
import type { AuthService } from '../auth/auth-service.js';
import type { CalendarFiles } from '../calendar/calendar-files.js';
import { currentUser, requireUser } from '../http/authenticate.js';
import { parseInput } from '../http/validate.js';
import type { Scheduling } from './scheduling.js';
import { refuseAdmin } from './scheduling-access.js';
import { sendCalendarFile } from '../http/send-calendar-file.js';

export interface SchedulingRouteDeps {
  auth: AuthService;
  scheduling: Scheduling;
  calendarFiles: CalendarFiles;
}

/**
 * /api/scheduling: thin handlers. Every input through its zod schema; who may
 * do what is decided in the services. An administrator gets 403 on every
 * endpoint here (employer-blind).
 */
export function schedulingRoutes({ auth, scheduling: { availability, bookings }, calendarFiles }: SchedulingRouteDeps): Router {
  const router = Router();
  router.use(requireUser(auth));
  router.use((_req, res, next) => {
    refuseAdmin(currentUser(res));
    next();
  });

  // The unfiltered list. A filter can say why someone seeks help: it goes in the body of POST /counselors/search,
  // never in a URL (proxy logs, browser history), so a query string here is refused.
  router.get('/counselors', async (req, res) => {
    parseInput(Empty, req.query, 'counselor list (filters go in the body of POST /api/scheduling/counselors/search)');
    res.json({ ok: true, data: await availability.counselors(currentUser(res), {}) });
  });

  router.post('/counselors/search', async (req, res) => {
    const filter = parseInput(CounselorQuery, req.body ?? {}, 'counselor filter');
    res.setHeader('Cache-Control', 'no-store');
    res.json({ ok: true, data: await availability.counselors(currentUser(res), filter) });
  });

  router.get('/counselors/:counselorId/slots', async (req, res) => {
    const { counselorId } = parseInput(CounselorParams, req.params, 'counselor id');
    const range = parseInput(InstantRangeQuery, req.query, 'time range');
    res.json({ ok: true, data: await availability.slots(currentUser(res), counselorId, range) });
  });

  router.get('/availability', async (_req, res) => {
    res.json({ ok: true, data: await availability.get(currentUser(res)) });
  });

  router.put('/availability', async (req, res) => {
    const body = parseInput(PutAvailabilityBody, req.body, 'availability');
    res.json({ ok: true, data: await availability.set(currentUser(res), body) });
  });

  router.get('/bookings', async (req, res) => {
    const range = parseInput(InstantRangeQuery, req.query, 'time range');
    res.json({ ok: true, data: await bookings.list(currentUser(res), range) });
  });

  router.post('/bookings', async (req, res) => {
    const body = parseInput(CreateBookingBody, req.body, 'booking');
    res.status(201).json({ ok: true, data: await bookings.book(currentUser(res), body) });
  });

  router.post('/bookings/:bookingId/reschedule', async (req, res) => {
    const { bookingId } = parseInput(BookingParams, req.params, 'booking id');
    const body = parseInput(RescheduleBookingBody, req.body, 'reschedule');
    res.json({ ok: true, data: await bookings.reschedule(currentUser(res), bookingId, body) });
  });

  router.get('/bookings/:bookingId/calendar.ics', async (req, res) => {
    const { bookingId } = parseInput(BookingParams, req.params, 'booking id');
    sendCalendarFile(res, await calendarFiles.forBooking(currentUser(res), bookingId));
  });

  router.post('/bookings/:bookingId/cancel', async (req, res) => {
    const { bookingId } = parseInput(BookingParams, req.params, 'booking id');
    const body = parseInput(CancelBookingBody, req.body ?? {}, 'cancellation');
    res.json({ ok: true, data: await bookings.cancel(currentUser(res), bookingId, body) });
  });

  return router;
}

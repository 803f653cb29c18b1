import { CircleParams, CreateCircleBody, Empty } from '@care/shared';
import { Router } from 'express';
import type { AuthService } from '../auth/auth-service.js';
import type { CircleCalendarFiles } from '../calendar/circle-calendar-files.js';
import { currentUser, requireUser } from '../http/authenticate.js';
import { parseInput } from '../http/validate.js';
import type { CircleService } from './circle-service.js';
import { sendCalendarFile } from '../http/send-calendar-file.js';

export interface CircleRouteDeps {
  auth: AuthService;
  circles: CircleService;
  calendarFiles: CircleCalendarFiles;
}

/**
 * /api/circles: thin handlers. Every input through its zod schema; who may do
 * what (ASN, facilitator, administrator counts only) is decided in the service.
 */
export function circleRoutes({ auth, circles, calendarFiles }: CircleRouteDeps): Router {
  const router = Router();
  router.use(requireUser(auth));

  router.get('/', async (_req, res) => {
    res.json({ ok: true, data: await circles.list(currentUser(res)) });
  });

  router.post('/', async (req, res) => {
    const body = parseInput(CreateCircleBody, req.body, 'circle');
    res.status(201).json({ ok: true, data: await circles.create(currentUser(res), body) });
  });

  router.get('/mine', async (_req, res) => {
    res.json({ ok: true, data: await circles.mine(currentUser(res)) });
  });

  router.get('/counts', async (_req, res) => {
    res.json({ ok: true, data: await circles.counts(currentUser(res)) });
  });

  router.get('/:circleId/members', async (req, res) => {
    const { circleId } = parseInput(CircleParams, req.params, 'circle id');
    res.json({ ok: true, data: await circles.members(currentUser(res), circleId) });
  });

  router.get('/:circleId/calendar.ics', async (req, res) => {
    const { circleId } = parseInput(CircleParams, req.params, 'circle id');
    sendCalendarFile(res, await calendarFiles.forCircle(currentUser(res), circleId));
  });

  router.post('/:circleId/enrol', async (req, res) => {
    const { circleId } = parseInput(CircleParams, req.params, 'circle id');
    parseInput(Empty, req.body ?? {}, 'enrolment');
    res.json({ ok: true, data: await circles.enrol(currentUser(res), circleId) });
  });

  router.post('/:circleId/leave', async (req, res) => {
    const { circleId } = parseInput(CircleParams, req.params, 'circle id');
    parseInput(Empty, req.body ?? {}, 'leaving');
    res.json({ ok: true, data: await circles.leave(currentUser(res), circleId) });
  });

  router.post('/:circleId/cancel', async (req, res) => {
    const { circleId } = parseInput(CircleParams, req.params, 'circle id');
    parseInput(Empty, req.body ?? {}, 'cancellation');
    res.json({ ok: true, data: await circles.cancel(currentUser(res), circleId) });
  });

  return router;
}

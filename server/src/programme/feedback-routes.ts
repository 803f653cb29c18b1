import { AppointmentParams, Empty, FeedbackBody } from '@care/shared';
import { Router } from 'express';
import type { AuthService } from '../auth/auth-service.js';
import { currentUser, requireUser } from '../http/authenticate.js';
import { parseInput } from '../http/validate.js';
import type { SessionFeedback } from './feedback.js';

/** /api/feedback: an ASN rates a session they held, once. */
export function feedbackRoutes(auth: AuthService, feedback: SessionFeedback): Router {
  const router = Router();
  router.use(requireUser(auth));

  router.get('/:appointmentId', async (req, res) => {
    const { appointmentId } = parseInput(AppointmentParams, req.params, 'session id');
    parseInput(Empty, req.query, 'feedback status (takes no parameters)');
    res.setHeader('Cache-Control', 'no-store');
    res.json({ ok: true, data: await feedback.status(currentUser(res), appointmentId) });
  });

  router.post('/', async (req, res) => {
    const body = parseInput(FeedbackBody, req.body, 'feedback');
    res.status(201).json({ ok: true, data: await feedback.rate(currentUser(res), body) });
  });

  return router;
}

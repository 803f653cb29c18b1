import { AppointmentParams } from '@care/shared';
import { Router } from 'express';
import type { AuthService } from '../../auth/auth-service.js';
import type { AppointmentService } from '../../sessions/appointment-service.js';
import { currentUser, requireUser } from '../authenticate.js';
import { parseInput } from '../validate.js';

export function appointmentRoutes(auth: AuthService, appointments: AppointmentService): Router {
  const router = Router();
  router.use(requireUser(auth));

  router.get('/', async (_req, res) => {
    res.json({ ok: true, data: await appointments.listFor(currentUser(res)) });
  });

  router.get('/:appointmentId', async (req, res) => {
    const { appointmentId } = parseInput(AppointmentParams, req.params, 'appointment id');
    res.json({ ok: true, data: await appointments.viewForParticipant(appointmentId, currentUser(res)) });
  });

  return router;
}

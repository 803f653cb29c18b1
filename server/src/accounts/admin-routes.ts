import { CreateInviteBody, CsvInviteBody, ReportQuery, SetActiveBody, UserListQuery, UserParams } from '@care/shared';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { AuthService } from '../auth/auth-service.js';
import { AppError } from '../errors.js';
import { currentUser, requireRole, requireUser } from '../http/authenticate.js';
import { parseInput } from '../http/validate.js';
import type { ReportService } from '../reporting/report-service.js';
import type { InviteService } from './invite-service.js';
import type { UserAdminService } from './user-admin-service.js';

export interface AdminRouteDeps {
  auth: AuthService;
  invites: InviteService;
  users: UserAdminService;
  reports: ReportService;
  redis: Redis;
}

/**
 * /api/admin: programme staff only (everyone else 403). People management
 * and the employer-blind report; nothing here says who booked whom.
 */
export function adminRoutes({ auth, invites, users, reports, redis }: AdminRouteDeps): Router {
  const router = Router();
  router.use(requireUser(auth), requireRole('admin'));
  // Sixty invite requests (a CSV file is one) per admin every ten minutes, shared by every node.
  const inviteLimit = new RateLimiterRedis({ storeClient: redis, keyPrefix: 'ratelimit:invite-create', points: 60, duration: 600 });
  const limitInvites = async (_req: Request, res: Response, next: NextFunction) => {
    try {
      await inviteLimit.consume(currentUser(res).id);
    } catch {
      throw new AppError('rate_limited', 'Too many invites at once. Please wait a few minutes.');
    }
    next();
  };

  router.get('/users', async (req, res) => {
    const { role } = parseInput(UserListQuery, req.query, 'user list');
    res.json({ ok: true, data: await users.list(role) });
  });

  router.post('/users/:userId/active', async (req, res) => {
    const { userId } = parseInput(UserParams, req.params, 'user id');
    const { active } = parseInput(SetActiveBody, req.body, 'account state');
    if (userId === currentUser(res).id) throw new AppError('forbidden', 'You cannot deactivate your own account.');
    res.json({ ok: true, data: await users.setActive(userId, active) });
  });

  router.get('/invites', async (req, res) => {
    const { role } = parseInput(UserListQuery, req.query, 'invite list');
    res.json({ ok: true, data: await invites.pending(role) });
  });

  router.post('/invites', limitInvites, async (req, res) => {
    const body = parseInput(CreateInviteBody, req.body, 'invite');
    res.status(201).json({ ok: true, data: await invites.invite(currentUser(res).id, body) });
  });

  router.post('/invites/csv', limitInvites, async (req, res) => {
    const { csv } = parseInput(CsvInviteBody, req.body, 'CSV upload');
    res.json({ ok: true, data: await invites.importCsv(currentUser(res).id, csv) });
  });

  router.get('/reports', async (req, res) => {
    const query = parseInput(ReportQuery, req.query, 'report range');
    res.setHeader('Cache-Control', 'no-store');
    res.json({ ok: true, data: await reports.report(query) });
  });

  return router;
}

import {
  AccountActiveBody,
  AccountLookupBody,
  AllowanceCountsQuery,
  CreateInviteBody,
  CsvInviteBody,
  Empty,
  PendingInviteQuery,
  ProgrammeReportQuery,
  ReportQuery,
  ResendInviteBody,
  SetActiveBody,
  UserListQuery,
  UserParams,
} from '@care/shared';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { AuthService } from '../auth/auth-service.js';
import { AppError } from '../errors.js';
import { currentUser, requireRole, requireUser } from '../http/authenticate.js';
import { parseInput } from '../http/validate.js';
import type { AllowanceCounts } from '../reporting/allowance-counts.js';
import type { ProgrammeReport } from '../reporting/programme-report.js';
import type { ReportService } from '../reporting/report-service.js';
import type { AccountLookup } from './account-lookup.js';
import type { InviteCounts } from './invite-counts.js';
import type { InviteService } from './invite-service.js';
import type { UserAdminService } from './user-admin-service.js';

export interface AdminRouteDeps {
  auth: AuthService;
  invites: InviteService;
  inviteCounts: InviteCounts;
  lookup: AccountLookup;
  users: UserAdminService;
  reports: ReportService;
  /** Allowance use (issue 13), suppressed like the report. */
  allowanceCounts: AllowanceCounts;
  /** Referral funnel, outcomes, feedback, accompaniment length (issue 13 §9), suppressed like the report. */
  programmeReport: ProgrammeReport;
  redis: Redis;
}

/**
 * /api/admin: programme staff only (everyone else 403). People management
 * and the employer-blind report; nothing here says who booked whom, and no
 * answer lists ASN: they are found one at a time by exact address (in a
 * POST body, never a URL), and counted per unit.
 */
export function adminRoutes({ auth, invites, inviteCounts, lookup, users, reports, allowanceCounts, programmeReport, redis }: AdminRouteDeps): Router {
  const router = Router();
  router.use(requireUser(auth), requireRole('admin'));
  const perAdmin = (keyPrefix: string, points: number, message: string) => {
    const limit = new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration: 600 });
    return async (_req: Request, res: Response, next: NextFunction) => {
      try {
        await limit.consume(currentUser(res).id);
      } catch {
        throw new AppError('rate_limited', message);
      }
      next();
    };
  };
  // Sixty invite requests (a CSV file is one) per admin every ten minutes, shared by every node.
  const limitInvites = perAdmin('ratelimit:invite-create', 60, 'Too many invites at once. Please wait a few minutes.');
  // Work on one person at a time is a handful an hour; trying address after address is not.
  const limitByAddress = perAdmin('ratelimit:account-by-address', 30, 'Too many look-ups. Please wait a few minutes.');

  router.get('/users', async (req, res) => {
    const { role } = parseInput(UserListQuery, req.query, 'staff list');
    res.json({ ok: true, data: await users.list(role) });
  });

  router.post('/users/:userId/active', async (req, res) => {
    const { userId } = parseInput(UserParams, req.params, 'user id');
    const { active } = parseInput(SetActiveBody, req.body, 'account state');
    res.json({ ok: true, data: await users.setActive(currentUser(res), userId, active) });
  });

  router.post('/accounts/lookup', limitByAddress, async (req, res) => {
    const { email } = parseInput(AccountLookupBody, req.body, 'look-up');
    res.setHeader('Cache-Control', 'no-store');
    res.json({ ok: true, data: await lookup.lookup(currentUser(res), email) });
  });

  router.post('/accounts/active', limitByAddress, async (req, res) => {
    const { email, active } = parseInput(AccountActiveBody, req.body, 'account state');
    res.json({ ok: true, data: await users.setActiveByEmail(currentUser(res), email, active) });
  });

  router.get('/invites', async (req, res) => {
    parseInput(PendingInviteQuery, req.query, 'invite list');
    res.json({ ok: true, data: await invites.pendingCounselors() });
  });

  router.get('/invites/counts', async (req, res) => {
    parseInput(Empty, req.query, 'invite counts');
    res.setHeader('Cache-Control', 'no-store');
    res.json({ ok: true, data: await inviteCounts.view() });
  });

  router.post('/invites', limitInvites, async (req, res) => {
    const body = parseInput(CreateInviteBody, req.body, 'invite');
    res.status(201).json({ ok: true, data: await invites.invite(currentUser(res).id, body) });
  });

  router.post('/invites/resend', limitByAddress, limitInvites, async (req, res) => {
    const { email } = parseInput(ResendInviteBody, req.body, 'invite');
    res.json({ ok: true, data: await invites.resend(email) });
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

  router.get('/reports/allowance', async (req, res) => {
    const { year } = parseInput(AllowanceCountsQuery, req.query, 'programme year');
    res.setHeader('Cache-Control', 'no-store');
    res.json({ ok: true, data: await allowanceCounts.view(year) });
  });

  router.get('/reports/programme', async (req, res) => {
    const { year } = parseInput(ProgrammeReportQuery, req.query, 'programme year');
    res.setHeader('Cache-Control', 'no-store');
    res.json({ ok: true, data: await programmeReport.view(year) });
  });

  return router;
}

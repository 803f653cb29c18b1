import { AcceptReferralBody, AttendanceConsentBody, CreateReferralBody, Empty, ReferralParams } from '@care/shared';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Redis } from 'ioredis';
import type { AuthService } from '../auth/auth-service.js';
import { AppError } from '../errors.js';
import { currentUser, requireUser } from '../http/authenticate.js';
import { parseInput } from '../http/validate.js';
import { sharedBudget, spend } from '../limits/budget.js';
import type { Referrals } from './referrals.js';

/** Referrals recorded per staff member in ten minutes: a morning's list, never address after address. */
export const REFERRALS_PER_TEN_MINUTES = 30;

/**
 * /api/referrals: thin handlers, every input through its zod schema; who may
 * do what (staff record and follow, the ASN answers their own) is decided in
 * Referrals.
 */
export function referralRoutes(auth: AuthService, referrals: Referrals, redis: Redis): Router {
  const router = Router();
  router.use(requireUser(auth));
  const budget = sharedBudget(redis, 'referral-create', { points: REFERRALS_PER_TEN_MINUTES, seconds: 600 });
  const limitCreate = async (_req: Request, res: Response, next: NextFunction) => {
    if (!(await spend(budget, currentUser(res).id))) throw new AppError('rate_limited', 'Too many referrals at once. Please wait a few minutes.');
    next();
  };

  router.get('/', async (req, res) => {
    parseInput(Empty, req.query, 'referrals (takes no parameters)');
    res.setHeader('Cache-Control', 'no-store');
    res.json({ ok: true, data: await referrals.listForStaff(currentUser(res)) });
  });

  router.post('/', limitCreate, async (req, res) => {
    const body = parseInput(CreateReferralBody, req.body, 'referral');
    res.status(201).json({ ok: true, data: await referrals.create(currentUser(res), body) });
  });

  router.get('/mine', async (req, res) => {
    parseInput(Empty, req.query, 'your referrals (takes no parameters)');
    res.setHeader('Cache-Control', 'no-store');
    res.json({ ok: true, data: await referrals.listForAsn(currentUser(res)) });
  });

  router.post('/:referralId/accept', async (req, res) => {
    const { referralId } = parseInput(ReferralParams, req.params, 'referral id');
    const body = parseInput(AcceptReferralBody, req.body, 'acceptance');
    res.json({ ok: true, data: await referrals.accept(currentUser(res), referralId, body) });
  });

  router.post('/:referralId/decline', async (req, res) => {
    const { referralId } = parseInput(ReferralParams, req.params, 'referral id');
    parseInput(Empty, req.body ?? {}, 'decline');
    res.json({ ok: true, data: await referrals.decline(currentUser(res), referralId) });
  });

  router.post('/:referralId/withdraw', async (req, res) => {
    const { referralId } = parseInput(ReferralParams, req.params, 'referral id');
    parseInput(Empty, req.body ?? {}, 'withdrawal');
    res.json({ ok: true, data: await referrals.withdraw(currentUser(res), referralId) });
  });

  router.post('/:referralId/attendance-consent', async (req, res) => {
    const { referralId } = parseInput(ReferralParams, req.params, 'referral id');
    const { consent } = parseInput(AttendanceConsentBody, req.body, 'attendance consent');
    res.json({ ok: true, data: await referrals.attendanceConsent(currentUser(res), referralId, consent) });
  });

  return router;
}

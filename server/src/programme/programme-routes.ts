import { ClientParams, ContributeEvaluationBody, Empty, GrantAllowanceBody, MatchRequest, ProposalParams, ProposeFollowUpBody } from '@care/shared';
import { Router } from 'express';
import type { AuthService } from '../auth/auth-service.js';
import { currentUser, requireUser } from '../http/authenticate.js';
import { parseInput } from '../http/validate.js';
import { refuseAdmin } from '../scheduling/scheduling-access.js';
import { notesRoutes } from './notes-routes.js';
import type { Programme } from './programme.js';

/**
 * /api/programme: thin handlers, every input through its zod schema, who
 * may do what decided in the services. Administrators get 403 everywhere
 * here: they see allowance use only as suppressed counts in the report.
 */
export function programmeRoutes(auth: AuthService, { caseload, myCounselor, grants, followUps, notes, matching, evaluation }: Programme): Router {
  const router = Router();
  router.use(requireUser(auth));
  router.use((_req, res, next) => {
    refuseAdmin(currentUser(res));
    next();
  });

  router.get('/allowance', async (req, res) => {
    parseInput(Empty, req.query, 'allowance (takes no parameters)');
    res.json({ ok: true, data: await myCounselor.allowanceOf(currentUser(res)) });
  });

  router.get('/my-counselor', async (req, res) => {
    parseInput(Empty, req.query, 'my counselor (takes no parameters)');
    res.json({ ok: true, data: await myCounselor.view(currentUser(res)) });
  });

  router.get('/caseload', async (req, res) => {
    parseInput(Empty, req.query, 'caseload (takes no parameters)');
    res.json({ ok: true, data: await caseload.view(currentUser(res)) });
  });

  router.post('/caseload/:clientId/grants', async (req, res) => {
    const { clientId } = parseInput(ClientParams, req.params, 'person id');
    const body = parseInput(GrantAllowanceBody, req.body, 'grant');
    res.status(201).json({ ok: true, data: await grants.grant(currentUser(res), clientId, body) });
  });

  router.get('/proposals', async (req, res) => {
    parseInput(Empty, req.query, 'proposals (takes no parameters)');
    res.json({ ok: true, data: await followUps.list(currentUser(res)) });
  });

  router.post('/proposals', async (req, res) => {
    const body = parseInput(ProposeFollowUpBody, req.body, 'follow-up proposal');
    res.status(201).json({ ok: true, data: await followUps.propose(currentUser(res), body) });
  });

  router.post('/proposals/:proposalId/accept', async (req, res) => {
    const { proposalId } = parseInput(ProposalParams, req.params, 'proposal id');
    parseInput(Empty, req.body ?? {}, 'acceptance');
    res.json({ ok: true, data: await followUps.accept(currentUser(res), proposalId) });
  });

  router.post('/proposals/:proposalId/decline', async (req, res) => {
    const { proposalId } = parseInput(ProposalParams, req.params, 'proposal id');
    parseInput(Empty, req.body ?? {}, 'decline');
    res.json({ ok: true, data: await followUps.decline(currentUser(res), proposalId) });
  });

  // An intake's match request says why someone seeks help: in the body, never a URL; ranked, answered, forgotten.
  router.post('/match', async (req, res) => {
    const request = parseInput(MatchRequest, req.body, 'match request');
    res.setHeader('Cache-Control', 'no-store');
    res.json({ ok: true, data: await matching.match(currentUser(res), request) });
  });

  router.use('/notes', notesRoutes(notes));

  router.post('/evaluation', async (req, res) => {
    const body = parseInput(ContributeEvaluationBody, req.body, 'evaluation contribution');
    res.status(201).json({ ok: true, data: await evaluation.contribute(currentUser(res), body) });
  });

  return router;
}

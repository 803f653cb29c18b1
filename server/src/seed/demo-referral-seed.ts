import type { Model } from 'mongoose';
import { Types } from 'mongoose';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import type { Referral } from '../programme/referral-models.js';
import { demoAccounts, ensureUser } from './demo-seed.js';

/**
 * A referral in the demo (issue 13 §5), outside tests only (the referral
 * tests count every referral they see): the demo administrator referred the
 * demo ASN for a wellbeing concern; it waits for the ASN's answer on
 * *Rujukan*. No invitation is mailed for it. A second node that seeds at the
 * same moment may add a second one; the demo tolerates that.
 */
export async function seedDemoReferral(db: Database, referrals: Model<Referral>, log: Logger, { outsideTests }: { outsideTests: boolean }): Promise<void> {
  if (!outsideTests) return;
  const asn = demoAccounts[1];
  const admin = demoAccounts[2];
  const asnId = new Types.ObjectId(await ensureUser(db, asn));
  if (await referrals.exists({ asnId })) return;
  await referrals.create({
    email: asn.email,
    asnId,
    reason: 'wellbeing',
    referringUnit: 'DEMO',
    referredBy: new Types.ObjectId(await ensureUser(db, admin)),
    referredAt: new Date(),
  });
  log.info('demo referral seeded');
}

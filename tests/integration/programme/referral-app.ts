import { OutboxList } from '@care/shared';
import { Types } from 'mongoose';
import type { TestPlatform } from '../../support/test-platform.js';
import { schedulingClient, type TestAccount } from '../scheduling/scheduling-app.js';

export const referralClient = (t: TestPlatform, who: TestAccount) => schedulingClient(t.url, who.cookie, '/api/referrals');
export const feedbackClient = (t: TestPlatform, who: TestAccount) => schedulingClient(t.url, who.cookie, '/api/feedback');

/** An account's address, as staff would know it. */
export async function emailOf(t: TestPlatform, who: TestAccount): Promise<string> {
  const user = await t.platform.db.users.findById(who.id).select({ email: 1 }).lean();
  if (!user) throw new Error('no such account');
  return user.email;
}

/** What the dev outbox holds for a person, after the mail sent without waiting has had time to arrive. */
export async function outboxOf(t: TestPlatform, who: TestAccount, atLeast = 0): Promise<OutboxList> {
  for (let tries = 0; ; tries++) {
    const response = await fetch(`${t.url}/api/dev/outbox`, { headers: { cookie: who.cookie } });
    const body = (await response.json()) as { ok: boolean; data?: unknown };
    const mails = body.ok ? OutboxList.parse(body.data) : [];
    if (mails.length >= atLeast || tries >= 50) return mails;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Moves a referral's decisions so far back by `days` (a referral taken up a while ago, as time would have left it). */
export async function backdateDecisions(t: TestPlatform, referralId: string, days: number): Promise<void> {
  const decisions = t.platform.db.connection.collection('referral_decisions');
  for (const decision of await decisions.find({ referralId: new Types.ObjectId(referralId) }).toArray()) {
    await decisions.updateOne({ _id: decision._id }, { $set: { at: new Date((decision.at as Date).getTime() - days * 86_400_000) } });
  }
}

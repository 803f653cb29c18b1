import type { Connection, Model } from 'mongoose';
import { isDuplicateKey } from '../scheduling/booking-errors.js';
import { deliverySchema, type Delivery } from './delivery-model.js';

export type DeliveryKind = Delivery['kind'];

/** Which message: the parts of its key. */
export interface DeliveryTarget {
  /** What it is about: an appointment; for `circle_reminder` a circle meeting, for `circle_invite` a circle. */
  appointmentId: string;
  recipientId: string;
  kind: DeliveryKind;
  detail: string;
  sequence: number;
  channel: 'email' | 'in_app';
  /** `circle_invite` to a member: the seat it is for (each seating is invited and withdrawn on its own). */
  seatId?: string;
}

export interface DeliveryAttempt extends DeliveryTarget {
  key: string;
  attempt: number;
}

export type Settlement = { status: 'sent' } | { status: 'gave_up' } | { status: 'failed'; retryAt: Date };

export function deliveryKey(t: DeliveryTarget): string {
  return [t.appointmentId, t.recipientId, t.kind, t.detail, t.sequence, t.channel, ...(t.seatId ? [t.seatId] : [])].join(':');
}

/**
 * The `deliveries` collection: claims that make each message go out at most
 * once, across nodes and restarts.
 *
 * "Once", exactly: a node inserts the claim for attempt n FIRST and sends
 * AFTER. If it dies in between, the claim stays `sending` and no one sends
 * that message again — it may be lost, never doubled. For a counseling
 * reminder a lost one is the lesser harm: two copies of "your session is in
 * 15 minutes" look like a broken system, and reminders also come in-app and
 * in two offsets. A send that failed where the server certainly did not take
 * the message is `failed` with a retry time; any node may then claim
 * attempt n+1 (the unique index picks one).
 */
export class DeliveryLedger {
  readonly #model: Model<Delivery>;

  private constructor(model: Model<Delivery>) {
    this.#model = model;
  }

  static async bind(connection: Connection): Promise<DeliveryLedger> {
    const model = (connection.models.Delivery as Model<Delivery> | undefined) ?? connection.model<Delivery>('Delivery', deliverySchema);
    await model.createCollection().catch((error: unknown) => {
      // Already there is fine; FerretDB and MongoDB word it differently.
      if (!(error instanceof Error) || !/already exists|NamespaceExists/i.test(error.message)) throw error;
    });
    await model.createIndexes();
    return new DeliveryLedger(model);
  }

  /** Whether any attempt at this message was ever claimed (a cheap equality lookup before trying an insert). */
  async claimed(key: string): Promise<boolean> {
    return (await this.#model.exists({ key })) !== null;
  }

  /** Claims attempt `attempt`; false when another node (or an earlier run) holds it. */
  async claim(target: DeliveryTarget, attempt: number, now: Date): Promise<DeliveryAttempt | null> {
    const key = deliveryKey(target);
    try {
      await this.#model.create({ ...target, key, attempt, status: 'sending', claimedAt: now });
      return { ...target, key, attempt };
    } catch (error) {
      if (isDuplicateKey(error)) return null;
      throw error;
    }
  }

  /** Records how a claimed attempt ended; only its claimer calls this. */
  async settle(attempt: Pick<DeliveryAttempt, 'key' | 'attempt'>, settlement: Settlement, now: Date): Promise<void> {
    await this.#model.updateOne(
      { key: attempt.key, attempt: attempt.attempt },
      { $set: { status: settlement.status, settledAt: now, retryAt: settlement.status === 'failed' ? settlement.retryAt : null } },
    );
  }

  /**
   * Failed attempts whose retry time has come. Marking one `retried` is the
   * same value whoever writes it, so a node that lost the race for attempt
   * n+1 may write it too.
   */
  async dueRetries(now: Date, limit = 100): Promise<DeliveryAttempt[]> {
    // Equality on status only: FerretDB v1 pushes nothing else down to PostgreSQL, and failures are few.
    const failed = await this.#model.find({ status: 'failed' }).limit(limit).lean();
    return failed
      .filter((d) => d.retryAt !== null && d.retryAt !== undefined && d.retryAt.getTime() <= now.getTime())
      .map((d) => ({
        key: d.key,
        attempt: d.attempt,
        appointmentId: d.appointmentId.toString(),
        recipientId: d.recipientId.toString(),
        kind: d.kind,
        detail: d.detail,
        sequence: d.sequence,
        channel: d.channel,
        ...(d.seatId ? { seatId: d.seatId.toString() } : {}),
      }));
  }

  async markRetried(attempt: Pick<DeliveryAttempt, 'key' | 'attempt'>): Promise<void> {
    await this.#model.updateOne({ key: attempt.key, attempt: attempt.attempt }, { $set: { status: 'retried', retryAt: null } });
  }

  /** All attempts at one message, oldest first (for tests and support). */
  async attempts(key: string): Promise<Array<{ attempt: number; status: string }>> {
    const docs = await this.#model.find({ key }).sort({ attempt: 1 }).lean();
    return docs.map((d) => ({ attempt: d.attempt, status: d.status }));
  }

  /**
   * Forgets claims older than `before` (FerretDB has no TTL indexes). Safe
   * once their appointments are over: nothing is due for a past session.
   */
  async forgetBefore(before: Date): Promise<number> {
    const result = await this.#model.deleteMany({ claimedAt: { $lt: before } });
    return result.deletedCount;
  }

  /**
   * Forgets every claim about these circles and meetings: once a circle has
   * ended, a claim (circle or meeting, person) is a member ↔ circle link, and
   * nothing is left to send.
   */
  async forgetCircle(circleId: string, meetingIds: readonly string[]): Promise<number> {
    const result = await this.#model.deleteMany({
      $or: [
        { appointmentId: circleId, kind: 'circle_invite' },
        { appointmentId: { $in: [...meetingIds] }, kind: 'circle_reminder' },
      ],
    });
    return result.deletedCount;
  }
}

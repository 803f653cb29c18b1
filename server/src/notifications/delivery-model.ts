import { Schema, Types, type InferSchemaType } from 'mongoose';

export const deliveryStatuses = ['sending', 'sent', 'failed', 'retried', 'gave_up'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

/**
 * One attempt at one message (an invitation or a reminder, to one person,
 * on one channel): the claim that makes it go out at most once.
 *
 * `key` names the message; {key, attempt} is unique. Whoever inserts
 * attempt n is the one node that sends it — FerretDB's conditional updates
 * are not atomic, its unique inserts are. Later fields are written only by
 * that node, so a plain update is safe.
 *
 * Metadata only: ids, kinds and times. No address, no text.
 */
export const deliverySchema = new Schema(
  {
    key: { type: String, required: true },
    attempt: { type: Number, required: true, min: 1 },
    /**
     * What the message is about: an appointment (invite, reminder), a circle
     * meeting (circle_reminder) or a circle (circle_invite).
     */
    appointmentId: { type: Types.ObjectId, required: true },
    recipientId: { type: Types.ObjectId, required: true },
    kind: { type: String, required: true, enum: ['invite', 'reminder', 'circle_invite', 'circle_reminder'] },
    /** invite: 'booked' | 'rescheduled' | 'cancelled'; circle_invite: 'request' | 'cancel'; reminders: the offset in minutes. */
    detail: { type: String, required: true },
    /** circle_invite to a member: their seat (absent otherwise). */
    seatId: { type: Types.ObjectId, required: false },
    /** The calendar sequence an invitation carries (0 for reminders). */
    sequence: { type: Number, required: true, min: 0 },
    channel: { type: String, required: true, enum: ['email', 'in_app'] },
    status: { type: String, required: true, enum: deliveryStatuses },
    claimedAt: { type: Date, required: true },
    settledAt: { type: Date, required: false, default: null },
    /** For a failed attempt that will be tried again: not before this. */
    retryAt: { type: Date, required: false, default: null },
  },
  { strict: 'throw', collection: 'deliveries', versionKey: false },
);
deliverySchema.index({ key: 1, attempt: 1 }, { unique: true });
deliverySchema.index({ status: 1 });

export type Delivery = InferSchemaType<typeof deliverySchema>;

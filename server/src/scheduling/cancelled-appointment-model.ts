import { CancelReason } from '@care/shared';
import { Schema, Types, type InferSchemaType } from 'mongoose';

/**
 * A cancelled (or rescheduled-away) booking, moved out of `appointments`.
 *
 * Why a collection of its own: a booking is an inserted claim under the
 * unique indexes of `appointments` ({counselorId, startsAt}, {clientId,
 * startsAt}), which hold whatever the status. A cancelled booking left there
 * with status 'cancelled' would keep its slot taken for ever; flipping the
 * status would need a conditional update, which FerretDB does not do
 * atomically. So cancelling moves the document here (same _id) and frees the
 * slot by deleting the original — see BookingService for the order.
 *
 * Metadata only: who, when, who cancelled, and a reason code. No free text,
 * and no room id (a cancelled session has no room).
 */
export const cancelledAppointmentSchema = new Schema(
  {
    /** The appointment's own id: its unique _id index makes the move happen at most once. */
    _id: { type: Types.ObjectId, required: true },
    counselorId: { type: Types.ObjectId, required: true, ref: 'User' },
    clientId: { type: Types.ObjectId, required: true, ref: 'User' },
    startsAt: { type: Date, required: true },
    endsAt: { type: Date, required: true },
    bookedAt: { type: Date, required: false, default: null },
    cancelledAt: { type: Date, required: true },
    cancelledBy: { type: String, required: true, enum: ['asn', 'counselor'] },
    reason: { type: String, required: true, enum: CancelReason.options },
    /** When moved by a reschedule: the appointment that replaced it. */
    rescheduledTo: { type: Types.ObjectId, required: false, default: null },
    /** The calendar identity it had; a cancellation raises the sequence (its CANCEL supersedes every earlier REQUEST). */
    calendarUid: { type: String, required: false },
    calendarSequence: { type: Number, required: false, min: 0 },
  },
  { strict: 'throw', collection: 'cancelled_appointments' },
);
cancelledAppointmentSchema.index({ counselorId: 1, startsAt: 1 });
cancelledAppointmentSchema.index({ clientId: 1, startsAt: 1 });

export type CancelledAppointment = InferSchemaType<typeof cancelledAppointmentSchema>;

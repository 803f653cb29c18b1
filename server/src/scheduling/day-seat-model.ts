import { Schema, Types, type InferSchemaType } from 'mongoose';

/**
 * One of a counselor's daily seats, held by one live booking: the claim that
 * keeps a day within the counselor's daily maximum whatever the concurrency.
 *
 * Seat numbers run 1..maxPerDay and {counselorId, localDate, seatNo} is
 * unique, so a day can hold at most maxPerDay of them: FerretDB's conditional
 * updates are not atomic, an insert under a unique index is (the same
 * pattern as circle seats). `localDate` is the day in the counselor's zone.
 * {counselorId, startsAt} is unique too, so a seat claim is also a claim on
 * its slot: racers for one slot cannot fill the day with seats for it, and a
 * claim may pick its seat number without reading the day first.
 * `startsAt` and `clientId` let a refused claim tell "that slot is taken"
 * from "the day is full". Metadata only.
 */
export const daySeatSchema = new Schema(
  {
    counselorId: { type: Types.ObjectId, required: true, ref: 'User' },
    localDate: { type: String, required: true, match: /^\d{4}-\d{2}-\d{2}$/ },
    seatNo: { type: Number, required: true, min: 1, max: 24 },
    /** The appointment holding the seat; its id is chosen before either insert. */
    appointmentId: { type: Types.ObjectId, required: true },
    clientId: { type: Types.ObjectId, required: true, ref: 'User' },
    startsAt: { type: Date, required: true },
    /** A seat whose appointment never appeared is reclaimed once it is this old (see DaySeats). */
    claimedAt: { type: Date, required: true },
  },
  { strict: 'throw', collection: 'day_seats' },
);
daySeatSchema.index({ counselorId: 1, localDate: 1, seatNo: 1 }, { unique: true });
daySeatSchema.index({ appointmentId: 1 }, { unique: true });
daySeatSchema.index({ counselorId: 1, startsAt: 1 }, { unique: true });

export type DaySeat = InferSchemaType<typeof daySeatSchema>;

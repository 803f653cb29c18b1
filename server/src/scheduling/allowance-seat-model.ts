import { Schema, Types, type InferSchemaType } from 'mongoose';

/** Seat numbers go no higher: the programme's allowance (at most 52) and every grant a year can hold. */
export const MAX_ALLOWANCE_SEAT = 80;

/**
 * One session of a person's allowance for a programme year, held by one live
 * booking: the claim that keeps a person within their sessions whatever the
 * concurrency. Seat numbers run 1..(allowance + grants) and {clientId, year,
 * seatNo} is unique, so a year can hold no more of them — an insert under a
 * unique index is atomic on FerretDB, a conditional update is not (the same
 * pattern as day seats). Metadata only.
 */
export const allowanceSeatSchema = new Schema(
  {
    clientId: { type: Types.ObjectId, required: true, ref: 'User' },
    /** The programme year: the calendar year in WIB of the session's start. */
    year: { type: Number, required: true, min: 2000, max: 9999 },
    seatNo: { type: Number, required: true, min: 1, max: MAX_ALLOWANCE_SEAT },
    /** The appointment holding the seat; its id is chosen before either insert. */
    appointmentId: { type: Types.ObjectId, required: true },
    /** The session's start: staff counts take only seats of sessions in closed months (see AllowanceCounts). */
    startsAt: { type: Date, required: true },
    /** A seat whose appointment never appeared is reclaimed once it is this old (see AllowanceSeats). */
    claimedAt: { type: Date, required: true },
  },
  { strict: 'throw', collection: 'allowance_seats' },
);
allowanceSeatSchema.index({ clientId: 1, year: 1, seatNo: 1 }, { unique: true });
allowanceSeatSchema.index({ appointmentId: 1 }, { unique: true });

export type AllowanceSeat = InferSchemaType<typeof allowanceSeatSchema>;

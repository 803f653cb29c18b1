import { isValidTimeZone } from '@care/shared';
import { Schema, Types, type Connection, type HydratedDocument, type InferSchemaType, type Model } from 'mongoose';
import type { Database } from '../db/database.js';

/**
 * A group support circle a counselor facilitates. The topic is the short label
 * the facilitator publishes so people can choose a circle; nothing said in a
 * meeting is ever stored. Meetings, seats and the waitlist live in their own
 * collections so that capacity is carried by unique indexes on inserted
 * documents (FerretDB's conditional updates are not atomic).
 */
export const circleSchema = new Schema(
  {
    facilitatorId: { type: Types.ObjectId, required: true, ref: 'User' },
    topic: { type: String, required: true, trim: true, minlength: 3, maxlength: 80 },
    timeZone: { type: String, required: true, maxlength: 64, validate: { validator: isValidTimeZone, message: 'not an IANA time zone' } },
    recurrence: { type: String, required: true, enum: ['once', 'weekly'] },
    durationMinutes: { type: Number, required: true, min: 30, max: 180 },
    capacity: { type: Number, required: true, min: 2, max: 20 },
    /** Members appear to each other under a pseudonym tied to their seat. */
    pseudonymous: { type: Boolean, required: true, default: true },
    status: { type: String, required: true, enum: ['active', 'cancelled'], default: 'active' },
    /** The end of its last meeting (set on create; circles made before it existed get it on the first retirement pass). */
    endsAt: { type: Date, required: false, default: null },
    /** When its member ↔ circle links were deleted, the counts kept (CircleRetirement); null while it lives. */
    retiredAt: { type: Date, required: false, default: null },
  },
  { timestamps: true, strict: 'throw', collection: 'circles' },
);
circleSchema.index({ facilitatorId: 1, createdAt: -1 });
circleSchema.index({ retiredAt: 1, endsAt: 1 });

/** One meeting of a circle, with the opaque id of its live room. */
export const circleMeetingSchema = new Schema(
  {
    circleId: { type: Types.ObjectId, required: true, ref: 'Circle' },
    seq: { type: Number, required: true, min: 0 },
    startsAt: { type: Date, required: true },
    endsAt: { type: Date, required: true },
    roomId: { type: String, required: true },
    status: { type: String, required: true, enum: ['scheduled', 'cancelled'], default: 'scheduled' },
  },
  { timestamps: true, strict: 'throw', collection: 'circle_meetings' },
);
circleMeetingSchema.index({ circleId: 1, seq: 1 }, { unique: true });
circleMeetingSchema.index({ roomId: 1 }, { unique: true });
circleMeetingSchema.index({ startsAt: 1 });

/**
 * A seat held by one member: the claim document. {circleId, seatNo} unique
 * caps a circle at its capacity (seat numbers run 1..capacity), and
 * {circleId, userId} unique keeps one seat per person.
 */
export const circleSeatSchema = new Schema(
  {
    circleId: { type: Types.ObjectId, required: true, ref: 'Circle' },
    seatNo: { type: Number, required: true, min: 1, max: 20 },
    userId: { type: Types.ObjectId, required: true, ref: 'User' },
  },
  { timestamps: true, strict: 'throw', collection: 'circle_seats' },
);
circleSeatSchema.index({ circleId: 1, seatNo: 1 }, { unique: true });
circleSeatSchema.index({ circleId: 1, userId: 1 }, { unique: true });
circleSeatSchema.index({ userId: 1 });

/** Waiting for a seat, served in order of arrival (createdAt, then _id). */
export const circleWaitlistSchema = new Schema(
  {
    circleId: { type: Types.ObjectId, required: true, ref: 'Circle' },
    userId: { type: Types.ObjectId, required: true, ref: 'User' },
  },
  { timestamps: true, strict: 'throw', collection: 'circle_waitlist' },
);
circleWaitlistSchema.index({ circleId: 1, userId: 1 }, { unique: true });
circleWaitlistSchema.index({ circleId: 1, createdAt: 1, _id: 1 });
circleWaitlistSchema.index({ userId: 1 });

export type Circle = InferSchemaType<typeof circleSchema>;
export type CircleDocument = HydratedDocument<Circle>;
export type CircleMeeting = InferSchemaType<typeof circleMeetingSchema>;
export type CircleMeetingDocument = HydratedDocument<CircleMeeting>;
export type CircleSeat = InferSchemaType<typeof circleSeatSchema>;
export type CircleWaitlistEntry = InferSchemaType<typeof circleWaitlistSchema>;

/** The pseudonym that goes with a seat: Indonesian flower names, the same in every language. */
export const SEAT_PSEUDONYMS = [
  'Melati', 'Anggrek', 'Kenanga', 'Mawar', 'Cempaka', 'Teratai', 'Kamboja', 'Dahlia', 'Flamboyan', 'Seroja',
  'Asoka', 'Bugenvil', 'Kemuning', 'Tanjung', 'Soka', 'Lili', 'Aster', 'Krisan', 'Alamanda', 'Gardenia',
] as const;

export function seatPseudonym(seatNo: number): string {
  return SEAT_PSEUDONYMS[(seatNo - 1) % SEAT_PSEUDONYMS.length] ?? `#${seatNo}`;
}

/** The circle models on the platform's connection, with collections and indexes made before any request. */
export class CircleModels {
  readonly circles: Model<Circle>;
  readonly meetings: Model<CircleMeeting>;
  readonly seats: Model<CircleSeat>;
  readonly waitlist: Model<CircleWaitlistEntry>;

  private constructor(connection: Connection) {
    this.circles = bindModel<Circle>(connection, 'Circle', circleSchema);
    this.meetings = bindModel<CircleMeeting>(connection, 'CircleMeeting', circleMeetingSchema);
    this.seats = bindModel<CircleSeat>(connection, 'CircleSeat', circleSeatSchema);
    this.waitlist = bindModel<CircleWaitlistEntry>(connection, 'CircleWaitlistEntry', circleWaitlistSchema);
  }

  static async bind(db: Database): Promise<CircleModels> {
    const models = new CircleModels(db.connection);
    for (const model of [models.circles, models.meetings, models.seats, models.waitlist] as Model<unknown>[]) {
      await model.createCollection().catch((error: unknown) => {
        // Already there is fine; FerretDB and MongoDB word it differently.
        if (!(error instanceof Error) || !/already exists|NamespaceExists/i.test(error.message)) throw error;
      });
      await model.createIndexes();
    }
    return models;
  }
}

function bindModel<T>(connection: Connection, name: string, schema: Schema): Model<T> {
  // A second bind on the same connection (another app in one test process) reuses the model.
  return (connection.models[name] as Model<T> | undefined) ?? (connection.model(name, schema) as unknown as Model<T>);
}

import type { Connection, Model } from 'mongoose';
import type { Database } from '../db/database.js';
import { allowanceGrantSchema, type AllowanceGrant } from './allowance-grant-model.js';
import { allowanceSeatSchema, type AllowanceSeat } from './allowance-seat-model.js';
import { availabilitySchema, type Availability } from './availability-model.js';
import { cancelledAppointmentSchema, type CancelledAppointment } from './cancelled-appointment-model.js';
import { daySeatSchema, type DaySeat } from './day-seat-model.js';

/**
 * The scheduling models beside the Database's own (users, appointments), on
 * the same connection. Bound once per connection: a second bind (another
 * router on the same database) reuses the models mongoose already holds.
 */
export class SchedulingModels {
  readonly availabilities: Model<Availability>;
  readonly cancelledAppointments: Model<CancelledAppointment>;
  readonly daySeats: Model<DaySeat>;
  readonly allowanceSeats: Model<AllowanceSeat>;
  readonly allowanceGrants: Model<AllowanceGrant>;

  private constructor(connection: Connection) {
    this.availabilities = reuse<Availability>(connection, 'Availability') ?? connection.model('Availability', availabilitySchema);
    this.cancelledAppointments =
      reuse<CancelledAppointment>(connection, 'CancelledAppointment') ?? connection.model('CancelledAppointment', cancelledAppointmentSchema);
    this.daySeats = reuse<DaySeat>(connection, 'DaySeat') ?? connection.model('DaySeat', daySeatSchema);
    this.allowanceSeats = reuse<AllowanceSeat>(connection, 'AllowanceSeat') ?? connection.model('AllowanceSeat', allowanceSeatSchema);
    this.allowanceGrants = reuse<AllowanceGrant>(connection, 'AllowanceGrant') ?? connection.model('AllowanceGrant', allowanceGrantSchema);
  }

  /** Binds the models and makes sure their collections and indexes exist before any request. */
  static async bind(db: Database): Promise<SchedulingModels> {
    const models = new SchedulingModels(db.connection);
    await ensureCollections([models.availabilities, models.cancelledAppointments, models.daySeats, models.allowanceSeats, models.allowanceGrants] as Model<unknown>[]);
    return models;
  }
}

/** Makes sure each model's collection and indexes exist (before any request relies on a unique index). */
export async function ensureCollections(models: Model<unknown>[]): Promise<void> {
  for (const model of models) {
    await model.createCollection().catch((error: unknown) => {
      // Already there is fine; FerretDB and MongoDB word it differently.
      if (!(error instanceof Error) || !/already exists|NamespaceExists/i.test(error.message)) throw error;
    });
    await model.createIndexes();
  }
}

function reuse<T>(connection: Connection, name: string): Model<T> | undefined {
  return connection.models[name] as Model<T> | undefined;
}

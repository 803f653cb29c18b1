import type { Connection, Model } from 'mongoose';
import type { Database } from '../db/database.js';
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

  private constructor(connection: Connection) {
    this.availabilities = reuse<Availability>(connection, 'Availability') ?? connection.model('Availability', availabilitySchema);
    this.cancelledAppointments =
      reuse<CancelledAppointment>(connection, 'CancelledAppointment') ?? connection.model('CancelledAppointment', cancelledAppointmentSchema);
    this.daySeats = reuse<DaySeat>(connection, 'DaySeat') ?? connection.model('DaySeat', daySeatSchema);
  }

  /** Binds the models and makes sure their collections and indexes exist before any request. */
  static async bind(db: Database): Promise<SchedulingModels> {
    const models = new SchedulingModels(db.connection);
    for (const model of [models.availabilities, models.cancelledAppointments, models.daySeats] as Model<unknown>[]) {
      await model.createCollection().catch((error: unknown) => {
        // Already there is fine; FerretDB and MongoDB word it differently.
        if (!(error instanceof Error) || !/already exists|NamespaceExists/i.test(error.message)) throw error;
      });
      await model.createIndexes();
    }
    return models;
  }
}

function reuse<T>(connection: Connection, name: string): Model<T> | undefined {
  return connection.models[name] as Model<T> | undefined;
}

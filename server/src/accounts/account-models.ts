import type { Model } from 'mongoose';
import type { Database } from '../db/database.js';
import { attendanceSchema, type Attendance } from '../reporting/attendance-model.js';
import { circleAttendanceSchema, type CircleAttendance } from '../reporting/circle-attendance-model.js';
import { circleRetirementSchema, type CircleRetirement } from '../reporting/circle-retirement-model.js';
import { inviteSchema, type Invite } from './invite-model.js';

/** The accounts and reporting collections, bound to the platform's connection with their indexes in place. */
export class AccountModels {
  private constructor(
    readonly invites: Model<Invite>,
    readonly attendance: Model<Attendance>,
    readonly circleAttendance: Model<CircleAttendance>,
    /** What is kept of ended circles: counts, no people. */
    readonly circleRetirements: Model<CircleRetirement>,
  ) {}

  static async bind(db: Database): Promise<AccountModels> {
    const connection = db.connection;
    const models = new AccountModels(
      (connection.models.Invite as Model<Invite> | undefined) ?? connection.model('Invite', inviteSchema),
      (connection.models.Attendance as Model<Attendance> | undefined) ?? connection.model('Attendance', attendanceSchema),
      (connection.models.CircleAttendance as Model<CircleAttendance> | undefined) ?? connection.model('CircleAttendance', circleAttendanceSchema),
      (connection.models.CircleRetirement as Model<CircleRetirement> | undefined) ?? connection.model('CircleRetirement', circleRetirementSchema),
    );
    for (const model of [models.invites, models.attendance, models.circleAttendance, models.circleRetirements] as Model<unknown>[]) {
      await model.createCollection().catch((error: unknown) => {
        // Already there is fine; FerretDB and MongoDB word it differently.
        if (!(error instanceof Error) || !/already exists|NamespaceExists/i.test(error.message)) throw error;
      });
      await model.createIndexes();
    }
    return models;
  }
}

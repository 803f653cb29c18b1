import mongoose, { type Model } from 'mongoose';
import type { Logger } from 'pino';
import { appointmentSchema, type Appointment } from './models/appointment.js';
import { userSchema, type User } from './models/user.js';
import { reportWrites, type Touched } from './write-reports.js';

export interface DatabaseOptions {
  /** The driver's command monitoring (`commandStarted` on the client): a benchmark counts the commands each request makes. */
  monitorCommands?: boolean;
  /**
   * Told of every write to `users` with the accounts it touched, awaited
   * before the write resolves: the nodes' account caches are invalidated
   * there (`reportWrites`).
   */
  onUsersWritten?: (ids: Touched) => Promise<void>;
}

/**
 * The scheduling database (MongoDB, or FerretDB in dev and CI), with its
 * models bound to this connection. Commands fail fast instead of queueing
 * while it is down, so the API can answer 503 at once.
 */
export class Database {
  readonly users: Model<User>;
  readonly appointments: Model<Appointment>;

  private constructor(
    readonly connection: mongoose.Connection,
    private readonly log: Logger,
    onUsersWritten: DatabaseOptions['onUsersWritten'],
  ) {
    // A copy of the schema per connection: its write hooks belong to this node (tests run two in one process).
    const users = userSchema.clone();
    if (onUsersWritten) reportWrites(users, onUsersWritten);
    this.users = connection.model('User', users);
    this.appointments = connection.model('Appointment', appointmentSchema);
  }

  static async connect(uri: string, dbName: string, log: Logger, options: DatabaseOptions = {}): Promise<Database> {
    const dbLog = log.child({ component: 'database' });
    const connection = mongoose.createConnection(uri, {
      dbName,
      bufferCommands: false,
      // Down or silent, the API must say so within seconds rather than hang
      // (tests/integration/database-down.test.ts). Refused: a command fails
      // at once on its broken connection, or once no server could be selected
      // for serverSelectionTimeoutMS. Silent (a host gone from the network):
      // the answer that never comes is given up after socketTimeoutMS; no
      // scheduling command takes seconds, so such a wait means the database
      // is gone, not busy. The driver checks the server every 2 s, so it
      // notices the return as quickly.
      serverSelectionTimeoutMS: 3000,
      heartbeatFrequencyMS: 2000,
      connectTimeoutMS: 3000,
      socketTimeoutMS: 10_000,
      autoIndex: false,
      autoCreate: false,
      monitorCommands: options.monitorCommands ?? false,
    });
    await connection.asPromise();
    const db = new Database(connection, dbLog, options.onUsersWritten);
    connection.on('disconnected', () => dbLog.warn('database disconnected'));
    connection.on('reconnected', () => dbLog.info('database reconnected'));
    await db.ensureIndexes();
    dbLog.info({ dbName }, 'database connected');
    return db;
  }

  get ready(): boolean {
    return this.connection.readyState === mongoose.ConnectionStates.connected;
  }

  /** The unique indexes carry the booking rules, so they exist before any request. */
  async ensureIndexes(): Promise<void> {
    for (const model of [this.users, this.appointments] as Model<unknown>[]) {
      await model.createCollection().catch((error: unknown) => {
        // Already there is fine; FerretDB and MongoDB word it differently.
        if (!(error instanceof Error) || !/already exists|NamespaceExists/i.test(error.message)) throw error;
      });
      await model.createIndexes();
    }
    this.log.debug('indexes ensured');
  }

  async ping(): Promise<boolean> {
    try {
      await this.connection.db?.admin().ping();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}

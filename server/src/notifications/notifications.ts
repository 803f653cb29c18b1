import type { Logger } from 'pino';
import { CalendarFiles } from '../calendar/calendar-files.js';
import { CalendarRecords } from '../calendar/calendar-records.js';
import { CircleCalendar } from '../calendar/circle-calendar.js';
import { CircleCalendarFiles } from '../calendar/circle-calendar-files.js';
import { CircleModels } from '../circles/circle-models.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { Mailer } from '../mail/mailer.js';
import { SchedulingModels } from '../scheduling/scheduling-models.js';
import type { Notifier } from '../notifier.js';
import { CircleNotificationService } from './circle-notification-service.js';
import { DeliveryLedger } from './delivery-ledger.js';
import { DeliverySender } from './delivery-sender.js';
import { NotificationPreferences } from './notification-preferences.js';
import { NotificationService } from './notification-service.js';
import { ReminderScheduler } from './reminder-scheduler.js';

export interface Notifications {
  service: NotificationService;
  /** Invitations and reminders for circle meetings. */
  circles: CircleNotificationService;
  scheduler: ReminderScheduler;
  ledger: DeliveryLedger;
  calendarFiles: CalendarFiles;
  circleCalendarFiles: CircleCalendarFiles;
  /** Each person's choice of email and reminders. */
  preferences: NotificationPreferences;
  /** Stops the reminder loop and waits for invitations still going out. */
  stop(): Promise<void>;
}

export interface NotificationDeps {
  db: Database;
  mailer: Mailer | null;
  notifier: Notifier;
  config: Pick<Config, 'MAIL_FROM' | 'REMINDER_OFFSETS_MINUTES' | 'REMINDER_INTERVAL_MS' | 'MAIL_RETRY_BASE_MS'>;
  appUrl: () => string;
  now: () => Date;
  log: Logger;
}

/** Invitations, reminders and calendar files on the platform's database; the loop is started by the caller. */
export async function createNotifications({ db, mailer, notifier, config, appUrl, now, log }: NotificationDeps): Promise<Notifications> {
  const records = new CalendarRecords(db, await SchedulingModels.bind(db));
  const ledger = await DeliveryLedger.bind(db.connection);
  const sender = new DeliverySender(ledger, { mailer, notifier, now, retryBaseMs: config.MAIL_RETRY_BASE_MS, log });
  const circleModels = await CircleModels.bind(db);
  const circleCalendar = new CircleCalendar(circleModels);
  const circles = new CircleNotificationService(circleModels, circleCalendar, ledger, sender, {
    organizer: config.MAIL_FROM,
    appUrl,
    now,
    person: (userId) => records.person(userId),
    log,
  });
  const service = new NotificationService(records, ledger, sender, { organizer: config.MAIL_FROM, appUrl, now, circles, log });
  const scheduler = new ReminderScheduler(db, ledger, service, circles, {
    offsetsMinutes: config.REMINDER_OFFSETS_MINUTES,
    intervalMs: config.REMINDER_INTERVAL_MS,
    now,
    log,
  });
  return {
    service,
    circles,
    scheduler,
    ledger,
    calendarFiles: new CalendarFiles(records, config.MAIL_FROM, appUrl, now),
    circleCalendarFiles: new CircleCalendarFiles(circleCalendar, config.MAIL_FROM, appUrl, now),
    preferences: new NotificationPreferences(db, { offsetsMinutes: config.REMINDER_OFFSETS_MINUTES, emailAvailable: mailer !== null }),
    async stop() {
      await scheduler.stop();
      await service.idle();
      await circles.idle();
    },
  };
}

import type { NotificationSettingsBody, NotificationSettingsView } from '@care/shared';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import type { DeliveryTarget } from './delivery-ledger.js';

/** What a person chose, as the senders read it. */
export interface NotificationChoice {
  emailNotifications: boolean;
  remindersOff: readonly number[];
}

/**
 * Whether a person wants this message: no email at all when they turned
 * email off (invitations included: the calendar file stays downloadable),
 * and no reminder they turned off, on any channel. Checked when each claimed
 * message is built, so a choice changed after the claim still counts.
 */
export function wantsMessage(
  person: NotificationChoice,
  message: Pick<DeliveryTarget, 'kind' | 'channel' | 'detail'>,
): boolean {
  if (message.channel === 'email' && !person.emailNotifications) return false;
  const reminder = message.kind === 'reminder' || message.kind === 'circle_reminder';
  return !(reminder && person.remindersOff.includes(Number(message.detail)));
}

/** The signed-in person's own notification settings (GET and PUT /api/account/notifications). */
export class NotificationPreferences {
  constructor(
    private readonly db: Database,
    private readonly options: {
      /** The reminders the programme sends, minutes before the start. */
      offsetsMinutes: readonly number[];
      emailAvailable: boolean;
    },
  ) {}

  async get(userId: string): Promise<NotificationSettingsView> {
    const user = await this.db.users.findById(userId).select({ emailNotifications: 1, remindersOff: 1 }).lean();
    if (!user) throw new AppError('unauthenticated', 'Please sign in again.');
    // Accounts made before the choice existed have neither field: everything on.
    return this.#view({ emailNotifications: user.emailNotifications ?? true, remindersOff: user.remindersOff ?? [] });
  }

  /** Last choice wins: a preference, not a claim. */
  async set(userId: string, body: NotificationSettingsBody): Promise<NotificationSettingsView> {
    const offered = this.options.offsetsMinutes;
    const unknown = body.reminderOffsets.flatMap((offset, i) => (offered.includes(offset) ? [] : [{ path: `reminderOffsets.${i}`, message: `is not a reminder offered here (${offered.join(', ')})` }]));
    if (unknown.length > 0) throw new AppError('invalid_payload', 'Choose among the reminders offered.', unknown);
    const choice: NotificationChoice = { emailNotifications: body.email, remindersOff: offered.filter((o) => !body.reminderOffsets.includes(o)) };
    const saved = await this.db.users.updateOne({ _id: userId }, { $set: { emailNotifications: choice.emailNotifications, remindersOff: [...choice.remindersOff] } });
    if (saved.matchedCount === 0) throw new AppError('unauthenticated', 'Please sign in again.');
    return this.#view(choice);
  }

  #view(choice: NotificationChoice): NotificationSettingsView {
    const offered = this.options.offsetsMinutes;
    return {
      email: choice.emailNotifications,
      reminderOffsets: offered.filter((o) => !choice.remindersOff.includes(o)),
      availableOffsets: [...offered],
      emailAvailable: this.options.emailAvailable,
    };
  }
}

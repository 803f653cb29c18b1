import { describe, expect, it } from 'vitest';
import { wantsMessage } from './notification-preferences.js';

const everything = { emailNotifications: true, remindersOff: [] };
const quiet = { emailNotifications: false, remindersOff: [1440] };

describe('wantsMessage', () => {
  it('sends everything to someone who changed nothing', () => {
    for (const kind of ['invite', 'reminder', 'circle_invite', 'circle_reminder'] as const) {
      for (const channel of ['email', 'in_app'] as const) expect(wantsMessage(everything, { kind, channel, detail: '1440' })).toBe(true);
    }
  });

  it('sends no email at all once email is off, invitations included', () => {
    for (const kind of ['invite', 'reminder', 'circle_invite', 'circle_reminder'] as const) {
      expect(wantsMessage(quiet, { kind, channel: 'email', detail: '15' })).toBe(false);
    }
    expect(wantsMessage(quiet, { kind: 'reminder', channel: 'in_app', detail: '15' })).toBe(true);
  });

  it('drops a reminder turned off on every channel, for sessions and circles alike', () => {
    const noDayBefore = { emailNotifications: true, remindersOff: [1440] };
    for (const kind of ['reminder', 'circle_reminder'] as const) {
      for (const channel of ['email', 'in_app'] as const) {
        expect(wantsMessage(noDayBefore, { kind, channel, detail: '1440' })).toBe(false);
        expect(wantsMessage(noDayBefore, { kind, channel, detail: '15' })).toBe(true);
      }
    }
    // An invitation's detail is its change, never an offset.
    expect(wantsMessage(noDayBefore, { kind: 'invite', channel: 'email', detail: 'booked' })).toBe(true);
  });
});

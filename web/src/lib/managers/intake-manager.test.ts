import type { MatchedCounselor } from '@care/shared';
import { describe, expect, it } from 'vitest';
import { matchRequestOf, orderFor } from './intake-manager.svelte.js';

function counselor(id: string, firstSlot: string | null): MatchedCounselor {
  return {
    id,
    displayName: id,
    timeZone: 'Asia/Jakarta',
    sessionMinutes: 50,
    languages: ['id'],
    specialities: [],
    gender: null,
    nextSlots: firstSlot ? [{ startsAt: firstSlot, endsAt: firstSlot }] : [],
    fits: { language: true, gender: true, speciality: true },
  };
}

describe('intake on the device', () => {
  it('sends only language, gender preference and speciality; "not sure" sends no speciality; topic and urgency never', () => {
    expect(matchRequestOf({ language: 'jv', genderPreference: 'female', topic: 'duka', urgency: 'urgent' })).toEqual({
      language: 'jv',
      genderPreference: 'female',
      speciality: 'duka',
    });
    expect(matchRequestOf({ language: 'id', genderPreference: 'any', topic: 'unsure', urgency: 'flexible' })).toEqual({ language: 'id', genderPreference: 'any' });
  });

  it('urgent puts the earliest free time first (ties keep the server rank, none last); otherwise the server order stands', () => {
    const ranked = [counselor('best', '2026-12-09T02:00:00Z'), counselor('none', null), counselor('soon', '2026-12-06T02:00:00Z'), counselor('soon-too', '2026-12-06T02:00:00Z')];
    expect(orderFor('urgent', ranked).map((c) => c.id)).toEqual(['soon', 'soon-too', 'best', 'none']);
    expect(orderFor('soon', ranked).map((c) => c.id)).toEqual(['best', 'none', 'soon', 'soon-too']);
  });
});

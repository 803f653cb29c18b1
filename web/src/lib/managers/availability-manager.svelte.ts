import {
  calendarDateIn,
  counselorGenders,
  counselorLanguages,
  isCalendarDate,
  indonesianTimeZones,
  specialities,
  weekdays,
  type CounselorGender,
  type CounselorLanguage,
  type CurrentUser,
  type PutAvailabilityBody,
  type Speciality,
  type ValidationIssue,
  type Weekday,
} from '@care/shared';
import { api } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { errorKey } from './schedule-format.js';

export interface RangeDraft {
  key: number;
  weekday: Weekday;
  start: string;
  end: string;
}

/** The number settings, their limits (as the shared schema has them) and their labels. */
export const numberFields = [
  { name: 'sessionMinutes', min: 15, max: 180 },
  { name: 'bufferMinutes', min: 0, max: 120 },
  { name: 'maxPerDay', min: 1, max: 24 },
  { name: 'minNoticeHours', min: 0, max: 720 },
  { name: 'horizonDays', min: 1, max: 365 },
] as const;
export type NumberField = (typeof numberFields)[number]['name'];

export const zoneChoices = Object.entries(indonesianTimeZones).map(([label, zone]) => ({ label, zone }));
export { counselorGenders, counselorLanguages, specialities, weekdays };

/** A server issue as something to show: a translated message when we know the case, else the server's words. */
export interface ShownIssue {
  key?: MessageKey;
  params?: Record<string, number>;
  text: string;
}

function describe(issue: ValidationIssue): ShownIssue {
  const field = numberFields.find((f) => issue.path === f.name);
  if (field) return { key: 'availability.issue.number', params: { min: field.min, max: field.max }, text: issue.message };
  if (/overlaps/.test(issue.message)) return { key: 'availability.issue.overlap', text: issue.message };
  if (/shorter than one session/.test(issue.message)) return { key: 'availability.issue.short', text: issue.message };
  if (/end must be after start/.test(issue.message)) return { key: 'availability.issue.order', text: issue.message };
  if (/must be a time/.test(issue.message)) return { key: 'availability.issue.time', text: issue.message };
  return { text: issue.message };
}

/** The counselor's availability editor: weekly ranges and settings, saved whole; the server validates. */
export class AvailabilityManager {
  me = $state<CurrentUser | undefined>(undefined);
  loading = $state(true);
  error = $state<MessageKey | undefined>(undefined);

  timeZone = $state<string>('Asia/Jakarta');
  ranges = $state<RangeDraft[]>([]);
  settings = $state<Record<NumberField, number | null>>({
    sessionMinutes: 50,
    bufferMinutes: 10,
    maxPerDay: 8,
    minNoticeHours: 12,
    horizonDays: 30,
  });
  updatedAt = $state<string | null>(null);
  /** The profile: codes from the shared lists, shown by name. */
  languages = $state<CounselorLanguage[]>([]);
  specialities = $state<Speciality[]>([]);
  /** Stated only if the counselor chooses to (null: not stated). */
  gender = $state<CounselorGender | null>(null);
  /** Days off (local dates in the counselor's zone), sorted; past ones are dropped on save. */
  daysOff = $state<string[]>([]);
  newDayOff = $state('');
  dayOffProblem = $state<MessageKey | undefined>(undefined);
  /** What the last add or remove did, for a polite live region. */
  dayOffStatus = $state<{ key: MessageKey; date: string } | undefined>(undefined);
  #nextKey = 1;

  saving = $state(false);
  saved = $state(false);
  saveError = $state<MessageKey | undefined>(undefined);
  issues = $state<ValidationIssue[]>([]);

  async load(): Promise<void> {
    try {
      this.me = await api.me();
      if (this.me.role !== 'counselor') {
        this.error = 'errors.forbidden';
        return;
      }
      const view = await api.availability();
      this.timeZone = view.timeZone;
      this.ranges = view.weekly.map((r) => ({ key: this.#nextKey++, ...r }));
      this.settings = {
        sessionMinutes: view.sessionMinutes,
        bufferMinutes: view.bufferMinutes,
        maxPerDay: view.maxPerDay,
        minNoticeHours: view.minNoticeHours,
        horizonDays: view.horizonDays,
      };
      this.daysOff = view.exceptions.filter((date) => date >= this.today());
      this.languages = view.languages;
      this.specialities = view.specialities;
      this.gender = view.gender;
      this.updatedAt = view.updatedAt;
    } catch (error) {
      this.error = errorKey(error);
    } finally {
      this.loading = false;
    }
  }

  rangesOf(weekday: Weekday): RangeDraft[] {
    return this.ranges.filter((r) => r.weekday === weekday);
  }

  /** Adds a range to a day: after the day's last one, or 09:00–12:00. Returns its key. */
  addRange(weekday: Weekday): number {
    const last = this.rangesOf(weekday).at(-1);
    const [start, end] = last && last.end <= '20:00' ? [last.end, addHours(last.end, 3)] : ['09:00', '12:00'];
    const key = this.#nextKey++;
    this.ranges = [...this.ranges, { key, weekday, start, end }];
    this.#edited();
    return key;
  }

  removeRange(key: number): void {
    const index = this.ranges.findIndex((r) => r.key === key);
    if (index < 0) return;
    this.ranges = this.ranges.filter((r) => r.key !== key);
    // Issues point at indexes of what was sent; after a removal they no longer match.
    this.issues = [];
    this.#edited();
  }

  /** Today in the counselor's zone: the earliest day off that still means something. */
  today(now = new Date()): string {
    return calendarDateIn(now, this.timeZone);
  }

  /** Adds the date in the picker; true when added. */
  addDayOff(): boolean {
    const date = this.newDayOff;
    this.dayOffStatus = undefined;
    if (!isCalendarDate(date)) {
      this.dayOffProblem = 'availability.dayOffInvalid';
      return false;
    }
    if (date < this.today()) {
      this.dayOffProblem = 'availability.dayOffPast';
      return false;
    }
    if (this.daysOff.includes(date)) {
      this.dayOffProblem = 'availability.dayOffRepeat';
      return false;
    }
    this.dayOffProblem = undefined;
    this.daysOff = [...this.daysOff, date].sort();
    this.newDayOff = '';
    this.dayOffStatus = { key: 'availability.dayOffAdded', date };
    this.#edited();
    return true;
  }

  removeDayOff(date: string): void {
    this.daysOff = this.daysOff.filter((d) => d !== date);
    this.dayOffProblem = undefined;
    this.dayOffStatus = { key: 'availability.dayOffRemoved', date };
    this.#edited();
  }

  toggleLanguage(code: CounselorLanguage, on: boolean): void {
    this.languages = on ? [...new Set([...this.languages, code])] : this.languages.filter((c) => c !== code);
    this.#edited();
  }

  setGender(gender: CounselorGender | null): void {
    this.gender = gender;
    this.#edited();
  }

  toggleSpeciality(code: Speciality, on: boolean): void {
    this.specialities = on ? [...new Set([...this.specialities, code])] : this.specialities.filter((c) => c !== code);
    this.#edited();
  }

  /** Called by inputs: a new edit makes "saved" stale. */
  touched(): void {
    this.#edited();
  }

  rangeIssues(key: number): ShownIssue[] {
    const index = this.ranges.findIndex((r) => r.key === key);
    return this.issues.filter((i) => i.path === `weekly.${index}` || i.path.startsWith(`weekly.${index}.`)).map(describe);
  }

  fieldIssues(name: NumberField | 'timeZone'): ShownIssue[] {
    return this.issues.filter((i) => i.path === name).map(describe);
  }

  /** Issues not shown beside a field (the list as a whole, or a path we do not know). */
  otherIssues(): ShownIssue[] {
    const known = (path: string) => /^weekly\.\d+(\.|$)/.test(path) || path === 'timeZone' || numberFields.some((f) => f.name === path);
    return this.issues.filter((i) => !known(i.path)).map(describe);
  }

  async save(): Promise<boolean> {
    if (this.saving) return false;
    this.saving = true;
    this.saved = false;
    this.saveError = undefined;
    this.issues = [];
    const body = {
      timeZone: this.timeZone,
      weekly: this.ranges.map(({ weekday, start, end }) => ({ weekday, start, end })),
      exceptions: this.daysOff.filter((date) => date >= this.today()),
      languages: this.languages,
      specialities: this.specialities,
      gender: this.gender,
      ...this.settings,
    } as PutAvailabilityBody;
    try {
      const view = await api.saveAvailability(body);
      this.updatedAt = view.updatedAt;
      this.languages = view.languages;
      this.specialities = view.specialities;
      this.gender = view.gender;
      this.daysOff = view.exceptions;
      this.saved = true;
      return true;
    } catch (error) {
      this.saveError = errorKey(error);
      if (error instanceof ApiError && error.issues) this.issues = error.issues;
      return false;
    } finally {
      this.saving = false;
    }
  }

  #edited(): void {
    this.saved = false;
  }
}

function addHours(time: string, hours: number): string {
  const [h = 0, m = 0] = time.split(':').map(Number);
  const total = Math.min(24 * 60, h * 60 + m + hours * 60);
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}

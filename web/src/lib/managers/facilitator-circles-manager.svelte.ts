import {
  CIRCLE_DEFAULT_CAPACITY,
  CIRCLE_DEFAULT_MINUTES,
  CIRCLE_MAX_CAPACITY,
  CIRCLE_MAX_OCCURRENCES,
  CIRCLE_MIN_CAPACITY,
  indonesianTimeZones,
  instantAt,
  isCalendarDate,
  minutesOfDay,
  weeklyStarts,
  type CircleChanged,
  type CircleRecurrence,
  type CreateCircleBody,
  type FacilitatedCircleView,
  type ValidationIssue,
} from '@care/shared';
import { api } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { LiveCirclesManager, type CircleNotice } from './live-circles-manager.svelte.js';
import { errorKey, localDate } from './schedule-format.js';

export const circleZoneChoices = Object.entries(indonesianTimeZones).map(([label, zone]) => ({ label, zone }));

/** The number fields of the form, with the limits of the shared schema. */
export const circleNumberFields = {
  occurrences: { min: 2, max: CIRCLE_MAX_OCCURRENCES },
  durationMinutes: { min: 30, max: 180 },
  capacity: { min: CIRCLE_MIN_CAPACITY, max: CIRCLE_MAX_CAPACITY },
} as const;
export type CircleNumberField = keyof typeof circleNumberFields;
export type CircleField = 'topic' | 'date' | 'time' | 'timeZone' | CircleNumberField;

/** A problem shown beside a field: our words when we know the case, else the server's. */
export interface FieldIssue {
  key?: MessageKey;
  params?: Record<string, number>;
  text: string;
}

export interface CircleDraft {
  topic: string;
  date: string;
  time: string;
  timeZone: string;
  recurrence: CircleRecurrence;
  occurrences: number | null;
  durationMinutes: number | null;
  capacity: number | null;
  pseudonymous: boolean;
}

function emptyDraft(timeZone: string): CircleDraft {
  return {
    topic: '',
    date: '',
    time: '',
    timeZone: circleZoneChoices.some((c) => c.zone === timeZone) ? timeZone : 'Asia/Jakarta',
    recurrence: 'once',
    occurrences: 6,
    durationMinutes: CIRCLE_DEFAULT_MINUTES,
    capacity: CIRCLE_DEFAULT_CAPACITY,
    pseudonymous: true,
  };
}

/** The server's path for a field of the form (date and time both make firstStartsAt). */
function fieldOf(path: string): CircleField | undefined {
  if (path === 'firstStartsAt') return 'date';
  return (['topic', 'timeZone', 'occurrences', 'durationMinutes', 'capacity'] as const).find((f) => f === path);
}

/** A counselor's circles page: create a circle, see members and the line, cancel; live. */
export class FacilitatorCirclesManager extends LiveCirclesManager {
  circles = $state<FacilitatedCircleView[]>([]);
  draft = $state<CircleDraft>(emptyDraft('Asia/Jakarta'));
  creating = $state(false);
  createError = $state<MessageKey | undefined>(undefined);
  issues = $state<Array<{ field: CircleField | undefined; issue: FieldIssue }>>([]);

  cancelling = $state<string | undefined>(undefined);
  working = $state(false);
  actionError = $state<MessageKey | undefined>(undefined);

  /** The first meeting as an instant, once date and time are filled in. */
  firstStart = $derived.by(() => {
    const { date, time, timeZone } = this.draft;
    if (!isCalendarDate(date) || !/^([01]\d|2[0-3]):[0-5]\d$/.test(time)) return undefined;
    return instantAt(date, minutesOfDay(time), timeZone);
  });

  /** The local dates the circle would meet on, for the form to show before saving. */
  preview = $derived.by(() => {
    const first = this.firstStart;
    if (!first) return [];
    const count = this.draft.recurrence === 'weekly' ? Math.min(Math.max(this.draft.occurrences ?? 1, 1), CIRCLE_MAX_OCCURRENCES) : 1;
    return weeklyStarts(first, this.draft.timeZone, count).map((d) => d.toISOString());
  });

  constructor(...args: ConstructorParameters<typeof LiveCirclesManager>) {
    super(...args);
    this.draft = emptyDraft(this.me.timeZone);
  }

  async refresh(): Promise<void> {
    this.circles = await api.facilitatedCircles();
    this.now = Date.now();
  }

  protected override onLiveChange(change: CircleChanged): void {
    // Someone joined or left: screen readers hear that the list changed.
    if (change.change === 'enrolled' || change.change === 'waitlisted' || change.change === 'left') this.notice = { key: 'circles.updated' };
  }

  /** An edited field's problems are no longer current; the date and time make one instant, so they go together. */
  touched(field: CircleField): void {
    const stale: CircleField[] = field === 'date' || field === 'time' || field === 'timeZone' ? ['date', 'time', 'timeZone'] : [field];
    this.issues = this.issues.filter((i) => i.field === undefined || !stale.includes(i.field));
    if (this.issues.length === 0) this.createError = undefined;
  }

  fieldIssues(field: CircleField): FieldIssue[] {
    return this.issues.filter((i) => i.field === field).map((i) => i.issue);
  }

  otherIssues(): FieldIssue[] {
    return this.issues.filter((i) => i.field === undefined).map((i) => i.issue);
  }

  /** Sends the draft; the server checks it. True when the circle was created. */
  async create(): Promise<boolean> {
    if (this.creating) return false;
    this.createError = undefined;
    this.issues = this.#localIssues();
    this.notice = undefined;
    if (this.issues.length > 0) {
      this.createError = 'circles.createInvalid';
      return false;
    }
    const d = this.draft;
    const body: CreateCircleBody = {
      topic: d.topic,
      firstStartsAt: this.firstStart?.toISOString() ?? '',
      timeZone: d.timeZone,
      recurrence: d.recurrence,
      occurrences: d.recurrence === 'weekly' ? (d.occurrences ?? Number.NaN) : 1,
      durationMinutes: d.durationMinutes ?? Number.NaN,
      capacity: d.capacity ?? Number.NaN,
      pseudonymous: d.pseudonymous,
    };
    this.creating = true;
    try {
      const created = await api.createCircle(body);
      this.notice = { key: 'circles.created', params: { topic: created.topic } };
      this.draft = emptyDraft(d.timeZone);
      await this.refresh().catch(() => undefined);
      return true;
    } catch (error) {
      this.createError = error instanceof ApiError && error.code === 'invalid_payload' ? 'circles.createInvalid' : errorKey(error);
      if (error instanceof ApiError && error.issues) this.issues = error.issues.map((issue) => this.#shown(issue, error.code));
      else if (error instanceof ApiError && (error.code === 'too_soon' || error.code === 'beyond_horizon')) {
        this.issues = [{ field: 'date', issue: { key: `errors.${error.code}`, text: error.message } }];
      }
      return false;
    } finally {
      this.creating = false;
    }
  }

  startCancel(circleId: string): void {
    this.cancelling = circleId;
    this.actionError = undefined;
    this.notice = undefined;
  }

  closeCancel(): void {
    this.cancelling = undefined;
    this.actionError = undefined;
  }

  async confirmCancel(): Promise<boolean> {
    if (!this.cancelling || this.working) return false;
    this.working = true;
    this.actionError = undefined;
    try {
      await api.cancelCircle(this.cancelling);
      this.cancelling = undefined;
      this.notice = { key: 'circles.cancelled' };
      await this.refresh().catch(() => undefined);
      return true;
    } catch (error) {
      this.actionError = errorKey(error);
      return false;
    } finally {
      this.working = false;
    }
  }

  /** What can be said before asking the server: missing fields, numbers out of range, a past start. */
  #localIssues(): Array<{ field: CircleField; issue: FieldIssue }> {
    const d = this.draft;
    const found: Array<{ field: CircleField; issue: FieldIssue }> = [];
    const topic = d.topic.trim();
    if (topic.length < 3 || topic.length > 80) found.push({ field: 'topic', issue: { key: 'circles.issue.topic', text: '' } });
    if (!isCalendarDate(d.date)) found.push({ field: 'date', issue: { key: 'circles.issue.required', text: '' } });
    if (!d.time) found.push({ field: 'time', issue: { key: 'circles.issue.required', text: '' } });
    else if (this.firstStart && this.firstStart.getTime() <= Date.now()) found.push({ field: 'date', issue: { key: 'circles.issue.past', text: '' } });
    for (const [name, limits] of Object.entries(circleNumberFields) as Array<[CircleNumberField, { min: number; max: number }]>) {
      if (name === 'occurrences' && d.recurrence !== 'weekly') continue;
      const value = d[name];
      if (value === null || !Number.isInteger(value) || value < limits.min || value > limits.max) {
        found.push({ field: name, issue: { key: 'circles.issue.number', params: limits, text: '' } });
      }
    }
    return found;
  }

  #shown(issue: ValidationIssue, code: string): { field: CircleField | undefined; issue: FieldIssue } {
    const field = fieldOf(issue.path);
    if (field && field in circleNumberFields) {
      return { field, issue: { key: 'circles.issue.number', params: circleNumberFields[field as CircleNumberField], text: issue.message } };
    }
    if (field === 'topic') return { field, issue: { key: 'circles.issue.topic', text: issue.message } };
    if (field === 'date' && code === 'too_soon') return { field, issue: { key: 'circles.issue.past', text: issue.message } };
    if (field === 'date' && code === 'beyond_horizon') return { field, issue: { key: 'circles.issue.horizon', text: issue.message } };
    return { field, issue: { text: issue.message } };
  }
}

/** 'YYYY-MM-DD' of today in a zone, the earliest date the form offers. */
export function todayIn(timeZone: string): string {
  return localDate(new Date().toISOString(), timeZone);
}

export type { CircleNotice };

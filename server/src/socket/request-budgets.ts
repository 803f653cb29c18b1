import type { ClientRequestName } from '@care/shared';
import type { Budget } from '../limits/budget.js';

interface FamilyBudget {
  /** The requests that draw on this family's budgets. */
  readonly events: readonly ClientRequestName[];
  /** Each connection (in a room: the peer), counted in its node's memory. */
  readonly perConnection: Budget;
  /** Each person across all their connections and every node, counted in Redis. */
  readonly perUser: Budget;
}

/**
 * Every Socket.IO request belongs to one family, and each family has a budget
 * per connection and per person. A well-formed request over either is
 * answered `rate_limited` before its handler runs (request-handler.ts). The comment on each family
 * says what an honest client sends, which is what the numbers leave room for
 * (tests/integration/honest-budgets.test.ts plays a 20-person circle and a
 * day of chat against them; tests/hostile/socket-floods.test.ts the floods).
 */
export const requestBudgets = {
  /** Once per connection and every 20 s on the session page. */
  presence: {
    events: ['presence:subscribe'],
    perConnection: { points: 10, seconds: 60 },
    perUser: { points: 40, seconds: 60 },
  },
  /** Once on reaching the lobby, again after a reconnect or on "try again" at a locked room. Each one reaches the host. */
  knock: {
    events: ['lobby:knock'],
    perConnection: { points: 5, seconds: 60 },
    perUser: { points: 10, seconds: 60 },
  },
  /** The host: the waiting list of each open session on connecting, admitting up to 20 people one by one, "running late". */
  lobby: {
    events: ['lobby:watch', 'lobby:admit', 'lobby:admit-all', 'lobby:late'],
    perConnection: { points: 60, seconds: 60 },
    perUser: { points: 120, seconds: 60 },
  },
  /**
   * Getting ready in the lobby: once on reaching it, again after a reconnect
   * or a media restart. Each one makes a peer (held: nothing forwarded) on the SFU.
   */
  prepare: {
    events: ['room:prepare'],
    perConnection: { points: 4, seconds: 30 },
    perUser: { points: 8, seconds: 60 },
  },
  /** A join, a rejoin after a reconnect, a media restart or a second tab, and leaving. Each one re-keys the group. */
  join: {
    events: ['room:join', 'room:leave'],
    perConnection: { points: 4, seconds: 30 },
    perUser: { points: 8, seconds: 60 },
  },
  /**
   * Per visit (prepared in the lobby or not): two transports, their two connects, two producers and ready
   * (7); an ICE restart per transport at most every 2 s; a screen share
   * started (one producer) now and then.
   */
  transport: {
    events: ['room:create-transport', 'room:connect-transport', 'room:produce', 'room:ready', 'room:restart-ice'],
    perConnection: { points: 30, seconds: 30 },
    perUser: { points: 60, seconds: 30 },
  },
  /**
   * What this peer receives: the view of each video (its layer, whether it
   * is shown), told once and again only when it changes: a resize, the tab
   * hidden or shown, a phone's tiles following the speaker (one or two per
   * change of speaker); and key frames once it holds an epoch's keys. Room
   * to spare: the budget was set when every new video re-sent the view of
   * all the others (210 while a circle of 21 arrives). Setting up each
   * consumer is the server's request (`room:consume`), which costs the
   * client nothing here.
   */
  consumer: {
    events: ['room:consumer-view', 'room:set-media-mode', 'room:request-key-frame'],
    perConnection: { points: 500, seconds: 10 },
    perUser: { points: 1000, seconds: 10 },
  },
  /**
   * Microphone and camera switches (the panic key flips both), raised hands
   * and a screen share stopped; each one is told to everyone in the room.
   */
  signal: {
    events: ['room:set-sending', 'room:raise-hand', 'room:stop-share'],
    perConnection: { points: 30, seconds: 30 },
    perUser: { points: 60, seconds: 30 },
  },
  /**
   * The host muting, stopping video, lowering hands, allowing or withdrawing
   * screen shares or removing people one by one in a circle of 20; lock; end.
   */
  moderation: {
    events: ['room:moderate', 'room:allow-share', 'room:mute-all', 'room:lock', 'room:end'],
    perConnection: { points: 60, seconds: 60 },
    perUser: { points: 120, seconds: 60 },
  },
  /** One on joining, then one every 4 s until the Welcome comes. Each one reaches every member. */
  key_package: {
    events: ['mls:publish-key-package'],
    perConnection: { points: 10, seconds: 30 },
    perUser: { points: 20, seconds: 30 },
  },
  /** The committer adds 20 people arriving together, one commit each, and removes whoever leaves. */
  commit: {
    events: ['mls:commit'],
    perConnection: { points: 40, seconds: 20 },
    perUser: { points: 80, seconds: 20 },
  },
  /**
   * Chat lines, reactions and the emergency contact, each resent at most
   * three times across a re-key: people send a few lines together, and type
   * far slower than one and a half a second. The improvement plan's edits
   * (issue 13 §2) travel here too, as encrypted as the chat so the server
   * cannot tell them apart: at most one message a second while someone types
   * in it (web/src/lib/plan/session-plan.svelte.ts), and a whole plan offered
   * when someone joins (up to 26 messages for the largest plan).
   */
  chat: {
    events: ['mls:message'],
    perConnection: { points: 60, seconds: 20 },
    perUser: { points: 120, seconds: 20 },
  },
  /** Events no handler knows: an honest client sends none. */
  unknown: {
    events: [],
    perConnection: { points: 10, seconds: 60 },
    perUser: { points: 30, seconds: 60 },
  },
} as const satisfies Record<string, FamilyBudget>;

export type RequestFamily = keyof typeof requestBudgets;

type Budgeted = (typeof requestBudgets)[RequestFamily]['events'][number];
type Unbudgeted = Exclude<ClientRequestName, Budgeted>;
type Holds<T extends true> = T;
/** Fails to compile while some request has no family (`Unbudgeted` names it): add it to one above. */
export type EveryRequestHasAFamily = Holds<[Unbudgeted] extends [never] ? true : false>;

const familyByEvent = new Map<string, RequestFamily>();
for (const [family, { events }] of Object.entries(requestBudgets) as Array<[RequestFamily, FamilyBudget]>) {
  for (const event of events) {
    // One budget per request: an event named twice would be counted twice or by chance.
    if (familyByEvent.has(event)) throw new Error(`request ${event} is in two families`);
    familyByEvent.set(event, family);
  }
}

/** The family a request event draws on; events no handler knows are 'unknown'. */
export function familyOf(event: string): RequestFamily {
  return familyByEvent.get(event) ?? 'unknown';
}

import type { ApplicationPayload, CheckinResultPayload, PlanControlPayload, PlanOpsPayload, Reaction, SuggestedInstrument } from '@care/shared';
import type { E2eeSession } from '../../e2ee/e2ee-session.svelte.js';
import type { MessageKey } from '../../i18n/i18n.svelte.js';
import { errorKey } from '../schedule-format.js';
import type { Announce } from './announce.js';

export interface ChatLine {
  id: string;
  mine: boolean;
  /** Who wrote it, as they appear in the room (circles). */
  from?: string;
  text: string;
  sentAt: string;
  failed?: boolean;
}

/** A reaction shown for a few seconds on its sender's tile. */
export interface ShownReaction {
  id: string;
  peerId: string;
  reaction: Reaction;
}

export interface EmergencyContactShown {
  name: string;
  phone: string;
  relation: string;
  sentAt: string;
}

const REACTION_SHOWN_MS = 4000;

/** Where messages go: the room's end-to-end encrypted group (none before it is set up). */
export type MessageChannel = Pick<E2eeSession, 'send'>;

export interface SessionMessagesDeps {
  channel: () => MessageChannel | undefined;
  myPeerId: () => string | undefined;
  nameOf: (peerId: string) => string;
  /** The host sees an emergency contact a client shares; nobody else does. */
  isHost: () => boolean;
  /** Check-ins travel in a 1:1 only, between the ASN and their counselor (a circle member's would be anyone's). */
  isCircle?: () => boolean;
  announce: Announce;
  /** The improvement plan's messages go to the session's plan (1:1). */
  plan?: (payload: PlanOpsPayload | PlanControlPayload) => void;
}

/**
 * What people say to each other in the room, all end-to-end encrypted as
 * MLS application messages that the server relays as bytes: chat lines,
 * reactions (shown a few seconds on the sender's tile), and the emergency
 * contact a client may give the counselor for this session. Kept in memory
 * only.
 */
export class SessionMessages {
  chat = $state<ChatLine[]>([]);
  reactions = $state<ShownReaction[]>([]);
  /** Counselor: the emergency contact the client chose to share in this session (memory only). */
  emergencyContact = $state<EmergencyContactShown | undefined>(undefined);
  /** Client: the contact went to the counselor. */
  emergencyShared = $state(false);
  /** Counselor: check-in results the client chose to show in this session (memory only). */
  checkinResults = $state<Array<CheckinResultPayload & { sentAt: string }>>([]);
  /** Client: questionnaires the counselor suggested in this session. */
  suggestedCheckins = $state<SuggestedInstrument[]>([]);

  constructor(private readonly deps: SessionMessagesDeps) {}

  /** A message from another member, decrypted and checked against its schema. */
  received(fromPeerId: string, payload: ApplicationPayload, sentAt: string): void {
    switch (payload.kind) {
      case 'reaction':
        this.#showReaction({ id: payload.id, peerId: fromPeerId, reaction: payload.reaction });
        this.deps.announce(`reaction.${payload.reaction}.from`, this.deps.nameOf(fromPeerId));
        return;
      case 'emergency-contact':
        // Shown to the counselor for this session only; never stored.
        if (this.deps.isHost()) this.emergencyContact = { name: payload.name, phone: payload.phone, relation: payload.relation, sentAt };
        return;
      case 'checkin-result':
        // To the counselor of a 1:1 only; a resent one (after a rekey) shows once.
        if (!this.deps.isHost() || this.deps.isCircle?.()) return;
        if (!this.checkinResults.some((r) => r.id === payload.id)) this.checkinResults = [...this.checkinResults, { ...payload, sentAt }];
        return;
      case 'checkin-suggestion':
        // From the counselor of a 1:1 only: in a 1:1 the one other member is the counselor.
        if (this.deps.isHost() || this.deps.isCircle?.()) return;
        if (!this.suggestedCheckins.includes(payload.instrument)) this.suggestedCheckins = [...this.suggestedCheckins, payload.instrument];
        return;
      case 'chat':
        // A resent message (after a rekey) shows once; the chat log is a polite live region.
        if (this.chat.some((line) => line.id === payload.id)) return;
        this.chat = [...this.chat, { id: payload.id, mine: false, from: this.deps.nameOf(fromPeerId), text: payload.text, sentAt }];
        return;
      case 'plan-ops':
      case 'plan-control':
        this.deps.plan?.(payload);
        return;
      default: {
        const unknown: never = payload;
        throw new Error(`unknown message kind ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** Resolves whether the line went; a line that did not is kept, marked failed. */
  async sendChat(text: string): Promise<boolean> {
    const channel = this.deps.channel();
    if (!channel || !text.trim()) return false;
    const id = crypto.randomUUID();
    const line: ChatLine = { id, mine: true, text: text.trim(), sentAt: new Date().toISOString() };
    this.chat = [...this.chat, line];
    try {
      const { sentAt } = await channel.send({ kind: 'chat', id, text: line.text });
      this.chat = this.chat.map((l) => (l.id === id ? { ...l, sentAt } : l));
      return true;
    } catch {
      this.chat = this.chat.map((l) => (l.id === id ? { ...l, failed: true } : l));
      return false;
    }
  }

  /** A reaction travels like chat, and shows on our own tile too. */
  async react(reaction: Reaction): Promise<void> {
    const channel = this.deps.channel();
    if (!channel) return;
    const id = crypto.randomUUID();
    this.#showReaction({ id, peerId: this.deps.myPeerId() ?? '', reaction });
    await channel.send({ kind: 'reaction', id, reaction }).catch(() => undefined);
  }

  /** Client: gives the counselor an emergency contact, for this session only; resolves the problem to show, if any. */
  async shareEmergencyContact(contact: { name: string; phone: string; relation: string }): Promise<MessageKey | undefined> {
    const problem = await this.#sendOnce({ kind: 'emergency-contact', id: crypto.randomUUID(), ...contact });
    if (!problem) this.emergencyShared = true;
    return problem;
  }

  /** Client: shows one check-in result to the counselor; resolves the problem to show, if any. */
  async shareCheckin(result: Omit<CheckinResultPayload, 'kind' | 'id'>): Promise<MessageKey | undefined> {
    return this.#sendOnce({ kind: 'checkin-result', id: crypto.randomUUID(), ...result });
  }

  /** Counselor: suggests a questionnaire to the client. */
  async suggestCheckin(instrument: SuggestedInstrument): Promise<MessageKey | undefined> {
    return this.#sendOnce({ kind: 'checkin-suggestion', id: crypto.randomUUID(), instrument });
  }

  async #sendOnce(payload: ApplicationPayload): Promise<MessageKey | undefined> {
    const channel = this.deps.channel();
    if (!channel) return 'errors.unavailable';
    try {
      await channel.send(payload);
      return undefined;
    } catch (error) {
      return errorKey(error);
    }
  }

  #showReaction(shown: ShownReaction): void {
    if (this.reactions.some((r) => r.id === shown.id)) return;
    this.reactions = [...this.reactions, shown];
    setTimeout(() => {
      this.reactions = this.reactions.filter((r) => r.id !== shown.id);
    }, REACTION_SHOWN_MS);
  }
}

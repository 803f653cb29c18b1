import { createHmac, randomBytes } from 'node:crypto';
import type { IceServer } from '@care/shared';

export interface TurnSettings {
  /** turn:/turns: URLs of the deployment's TURN server(s). */
  urls: readonly string[];
  /** The secret coturn holds as its `static-auth-secret`. */
  secret: string;
  /** How long a credential is good for, from its issue. */
  ttlSeconds: number;
}

/**
 * Time-limited TURN credentials in coturn's REST-API scheme
 * (`use-auth-secret`): the username is `expiry:opaque id` (expiry in Unix
 * seconds), the password base64(HMAC-SHA1(secret, username)). coturn checks
 * the HMAC and refuses an expired username, so no credential store is
 * shared with it and a leaked credential stops working by itself. The
 * opaque id is random per credential: coturn logs usernames, and they must
 * not name a person (nor link their visits).
 */
export class TurnCredentials {
  constructor(
    private readonly settings: TurnSettings | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the deployment has TURN at all. */
  get enabled(): boolean {
    return this.settings !== undefined;
  }

  /** The ICE servers for one transport: one TURN entry with a fresh credential, or none. */
  iceServers(): IceServer[] {
    if (!this.settings) return [];
    const expiry = Math.floor(this.now() / 1000) + this.settings.ttlSeconds;
    const username = `${expiry}:${randomBytes(12).toString('base64url')}`;
    return [{ urls: [...this.settings.urls], username, credential: turnPassword(this.settings.secret, username) }];
  }
}

/** coturn's password for a REST-API username: what `turnserver --use-auth-secret` computes to check it. */
export function turnPassword(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username).digest('base64');
}

/** The settings from the config, or undefined when TURN is not configured. */
export function turnSettings(config: { TURN_URLS: readonly string[]; TURN_SECRET?: string | undefined; TURN_TTL_SECONDS: number }): TurnSettings | undefined {
  if (config.TURN_URLS.length === 0 || !config.TURN_SECRET) return undefined;
  return { urls: config.TURN_URLS, secret: config.TURN_SECRET, ttlSeconds: config.TURN_TTL_SECONDS };
}

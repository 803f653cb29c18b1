import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';

/** Whose password was right, and which password it was (its stamp), until the code step. */
const PendingSignIn = z.object({ userId: z.string(), passwordStamp: z.string().nullable() });
export type PendingSignIn = z.infer<typeof PendingSignIn>;

/** Sign-in challenges between the password and the code: random, hashed in Redis, five minutes, single use. */
export class LoginChallenges {
  constructor(private readonly redis: Redis) {}

  async create(pending: PendingSignIn): Promise<string> {
    const challenge = randomBytes(32).toString('base64url');
    await this.redis.set(this.#key(challenge), JSON.stringify(pending), 'EX', 300);
    return challenge;
  }

  async pending(challenge: string): Promise<PendingSignIn | undefined> {
    const raw = await this.redis.get(this.#key(challenge));
    if (!raw) return undefined;
    try {
      const parsed = PendingSignIn.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  async consume(challenge: string): Promise<boolean> {
    return (await this.redis.del(this.#key(challenge))) === 1;
  }

  #key(challenge: string): string {
    return `login-challenge:${createHash('sha256').update(challenge).digest('hex')}`;
  }
}

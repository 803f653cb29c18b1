import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Sign-in challenges between the password and the code: random, hashed in Redis, five minutes, single use. */
export class LoginChallenges {
  constructor(private readonly redis: Redis) {}

  async create(userId: string): Promise<string> {
    const challenge = randomBytes(32).toString('base64url');
    await this.redis.set(this.#key(challenge), userId, 'EX', 300);
    return challenge;
  }

  async userId(challenge: string): Promise<string | undefined> {
    return (await this.redis.get(this.#key(challenge))) ?? undefined;
  }

  async consume(challenge: string): Promise<boolean> {
    return (await this.redis.del(this.#key(challenge))) === 1;
  }

  #key(challenge: string): string {
    return `login-challenge:${createHash('sha256').update(challenge).digest('hex')}`;
  }
}

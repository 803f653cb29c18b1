import type { ClientRequestName, RequestPayload, ResponseData } from '@care/shared';
import { ApiError } from '../../api/api-error.js';
import type { ServerLink } from '../../socket/socket-client.js';

/** How a test answers each request: data, or a thrown `ApiError` for a refusal. */
export type Answers = { [E in ClientRequestName]?: (payload: RequestPayload<E>) => ResponseData<E> };

/** A `ServerLink` for unit tests: records what a part asks the server and answers as the test says. */
export class LinkDouble implements ServerLink {
  connected = true;
  readonly sent: Array<{ event: ClientRequestName; payload: unknown }> = [];

  constructor(private readonly answers: Answers = {}) {}

  async request<E extends ClientRequestName>(event: E, payload: RequestPayload<E>): Promise<ResponseData<E>> {
    this.sent.push({ event, payload });
    const answer = this.answers[event] as ((payload: RequestPayload<E>) => ResponseData<E>) | undefined;
    if (!answer) throw new ApiError('internal', `${event}: the test gave no answer`);
    return answer(payload);
  }

  events(): ClientRequestName[] {
    return this.sent.map((s) => s.event);
  }
}

/** Collects what a part announces, as `key:name`. */
export function announcements(): { said: string[]; announce: (key: string, name: string) => void } {
  const said: string[] = [];
  return { said, announce: (key, name) => said.push(`${key}:${name}`) };
}

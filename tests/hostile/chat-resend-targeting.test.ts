import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SocketMember, type Ack } from '../support/mls-socket-member.js';
import { ask, enterRoomTogether, nextEvent, startTestPlatform, type TestPlatform, type TestSocket } from '../support/test-platform.js';

/*
 * Lines sent again to a page that came back travel with `to` (that peer
 * only): the server must not hand them to anyone else, must not let `to`
 * reach outside the room, and must refuse a malformed one with a typed
 * error. What is inside stays opaque to it; the members' own checks (a
 * resent line names the page it is for, a spent proof opens nothing) are
 * unit-tested in web/src/lib/e2ee/message-sequence.test.ts.
 */
let t: TestPlatform;
let host: TestSocket;
let client: TestSocket;
let counselor: SocketMember;
let asn: SocketMember;
let clientPeerId: string;

beforeAll(async () => {
  t = await startTestPlatform();
  const pair = await enterRoomTogether(t);
  ({ host, client } = pair);
  const hostJoin = pair.hostJoin as { peerId: string; roomId: string };
  const clientJoin = pair.clientJoin as { peerId: string; roomId: string };
  clientPeerId = clientJoin.peerId;
  counselor = await SocketMember.create(host, hostJoin);
  asn = await SocketMember.create(client, clientJoin);
  await counselor.member.createGroup(hostJoin.roomId);
});

afterAll(async () => {
  host?.close();
  client?.close();
  await t.close();
});

const quiet = (socket: TestSocket) =>
  nextEvent(socket, 'mls:message', 1500).then(
    () => 'relayed',
    () => 'quiet',
  );

describe('mls:message with a recipient', () => {
  it('goes to the named peer of the room', async () => {
    const message = await counselor.member.encryptApplication(new TextEncoder().encode('{}'));
    const arrived = nextEvent<{ fromPeerId: string }>(client, 'mls:message');
    expect(((await ask(host, 'mls:message', { epoch: 0, message, to: clientPeerId })) as Ack).ok).toBe(true);
    expect((await arrived).fromPeerId).not.toBe(clientPeerId);
  });

  it('a recipient who is not in the room gets nothing, and nobody else does either', async () => {
    const message = await counselor.member.encryptApplication(new TextEncoder().encode('{}'));
    const heard = quiet(client);
    const sent = (await ask(host, 'mls:message', { epoch: 0, message, to: 'peer-from-another-room' })) as Ack;
    expect(sent.ok).toBe(true);
    expect(await heard).toBe('quiet');
  });

  it('refuses a malformed recipient with a typed error', async () => {
    const message = await counselor.member.encryptApplication(new TextEncoder().encode('{}'));
    for (const to of ['', 'x'.repeat(65), 42, { $ne: null }]) {
      const refused = (await ask(host, 'mls:message', { epoch: 0, message, to })) as Ack;
      expect(refused.ok).toBe(false);
      expect(refused.error?.code).toBe('invalid_payload');
    }
    expect(asn.peerId).toBe(clientPeerId);
  });
});

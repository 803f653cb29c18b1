import { afterAll, describe, expect, it } from 'vitest';
import { MlsDecryptError, MlsEpochError, MlsGroupError } from './errors.js';
import { MlsIdentity } from './identity.js';
import { MlsMember } from './mls-member.js';
import { decodeMlsMessage, encodeMlsMessage } from './ts-mls.js';
import { inspectMessage } from './wire.js';

const GROUP_ID = 'room-7f3a';
const text = new TextEncoder();
const untext = new TextDecoder();

// Timings are collected always and printed only on request
// (MLS_TIMINGS=1 npx vitest run ...); nothing asserts on them.
const timings = new Map<string, number[]>();
async function timed<T>(label: string, operation: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await operation();
  } finally {
    const list = timings.get(label) ?? [];
    list.push(performance.now() - start);
    timings.set(label, list);
  }
}
afterAll(() => {
  // The web tsconfig has no Node types; these tests run in Node all the same.
  const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env;
  if (env?.['MLS_TIMINGS'] === undefined) return;
  for (const [label, list] of timings) {
    const sorted = [...list].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    console.warn(`[mls timing] ${label}: n=${list.length} median=${median.toFixed(1)}ms max=${(sorted.at(-1) ?? 0).toFixed(1)}ms`);
  }
});

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Stands in for the server: the first commit submitted for an epoch wins, later ones for it are refused. */
class DeliveryService {
  #epoch = 0n;

  submit(commit: Uint8Array): boolean {
    const info = inspectMessage(commit);
    if (info.kind !== 'commit' || info.epoch !== this.#epoch) return false;
    this.#epoch += 1n;
    return true;
  }
}

interface Room {
  readonly delivery: DeliveryService;
  readonly members: MlsMember[];
}

async function newMember(participantId: string): Promise<MlsMember> {
  return MlsMember.create(await MlsIdentity.generate(participantId));
}

async function openRoom(groupId = GROUP_ID): Promise<Room> {
  const counselor = await newMember('participant-0');
  await counselor.createGroup(groupId);
  return { delivery: new DeliveryService(), members: [counselor] };
}

function at<T>(list: readonly T[], index: number): T {
  const item = list[index];
  if (item === undefined) throw new Error(`no item ${index}`);
  return item;
}

/** Delivers an accepted commit: the committer confirms, everyone else processes it. */
async function deliver(room: Room, committer: MlsMember, commit: Uint8Array): Promise<void> {
  expect(room.delivery.submit(commit)).toBe(true);
  await committer.confirmPendingCommit();
  for (const member of room.members) {
    if (member !== committer && member.status === 'active') await timed('processCommit', () => member.processCommit(commit));
  }
}

async function addOne(room: Room, committer: MlsMember, participantId: string): Promise<MlsMember> {
  const joiner = await newMember(participantId);
  const keyPackage = await timed('createKeyPackage', () => joiner.createKeyPackage());
  const { commit, welcome } = await timed('addMembers (1)', () => committer.addMembers([keyPackage]));
  await deliver(room, committer, commit);
  await timed('joinFromWelcome', () => joiner.joinFromWelcome(welcome, { expectedGroupId: GROUP_ID }));
  room.members.push(joiner);
  return joiner;
}

/** Builds a room of `size` members, one add per epoch, with the committer changing each time. */
async function roomOf(size: number): Promise<Room> {
  const room = await openRoom();
  for (let index = 1; index < size; index += 1) {
    await addOne(room, at(room.members, (index * 5) % room.members.length), `participant-${index}`);
  }
  return room;
}

async function expectAgreement(members: readonly MlsMember[]): Promise<{ key: string; code: string }> {
  const first = at(members, 0);
  const key = hex(await first.sframeBaseKey());
  const code = await first.safetyCode();
  const roster = first.members();
  expect(roster).toHaveLength(members.length);
  for (const member of members) {
    expect(member.status).toBe('active');
    expect(member.epoch).toBe(first.epoch);
    expect(hex(await member.sframeBaseKey())).toBe(key);
    expect(await member.safetyCode()).toBe(code);
    expect(member.members()).toEqual(roster);
    expect(roster).toContainEqual(expect.objectContaining({ participantId: member.participantId, leafIndex: member.ownLeafIndex }));
  }
  // Each member's signing key (Ed25519), one per member: what a remembered verification compares.
  expect(roster.every((m) => m.signaturePublicKey.length === 32)).toBe(true);
  expect(new Set(roster.map((m) => hex(m.signaturePublicKey))).size).toBe(roster.length);
  return { key, code };
}

describe('MlsMember: building a group one add at a time', () => {
  it.each([2, 3, 8])('%i members end at the same epoch, SFrame base key and safety code', async (size) => {
    const room = await roomOf(size);
    await expectAgreement(room.members);
    expect(at(room.members, 0).epoch).toBe(BigInt(size - 1));
    expect(new Set(room.members.map((member) => member.ownLeafIndex)).size).toBe(size);
  });

  it('changes the safety code and the SFrame key with every epoch', async () => {
    const room = await openRoom();
    const codes = new Set([await at(room.members, 0).safetyCode()]);
    const keys = new Set([hex(await at(room.members, 0).sframeBaseKey())]);
    for (let index = 1; index < 5; index += 1) {
      await addOne(room, at(room.members, 0), `participant-${index}`);
      const { key, code } = await expectAgreement(room.members);
      codes.add(code);
      keys.add(key);
    }
    expect(codes.size).toBe(5);
    expect(keys.size).toBe(5);
  });

  it('keeps a commit pending until the delivery service accepts it', async () => {
    const room = await openRoom();
    const counselor = at(room.members, 0);
    const joiner = await newMember('participant-1');
    const keyBefore = hex(await counselor.sframeBaseKey());

    const { commit, welcome } = await counselor.addMembers([await joiner.createKeyPackage()]);
    expect(counselor.hasPendingCommit).toBe(true);
    expect(counselor.epoch).toBe(0n);
    expect(hex(await counselor.sframeBaseKey())).toBe(keyBefore);
    await expect(counselor.addMembers([await (await newMember('participant-2')).createKeyPackage()])).rejects.toMatchObject({
      code: 'invalid-state',
    });

    const info = inspectMessage(commit);
    expect(info).toMatchObject({ kind: 'commit', epoch: 0n, senderLeafIndex: 0 });
    expect(inspectMessage(welcome)).toEqual({ kind: 'welcome' });

    // The server echoing our own commit back confirms it, like confirmPendingCommit().
    const outcome = await counselor.processCommit(commit);
    expect(outcome).toMatchObject({ ownCommit: true, epoch: 1n, added: [{ participantId: 'participant-1', leafIndex: 1 }] });
    expect(counselor.hasPendingCommit).toBe(false);
    await joiner.joinFromWelcome(welcome);
    await expectAgreement([counselor, joiner]);
  });

  it('discards a commit the delivery service refused and stays in its epoch', async () => {
    const room = await roomOf(2);
    const [counselor, client] = [at(room.members, 0), at(room.members, 1)];
    const { commit } = await counselor.removeMembers(['participant-1']);
    await counselor.discardPendingCommit();
    expect(counselor.hasPendingCommit).toBe(false);
    expect(counselor.epoch).toBe(1n);
    // The commit never reached anyone; the group goes on as before.
    await expectAgreement(room.members);
    await expect(counselor.discardPendingCommit()).rejects.toMatchObject({ code: 'invalid-state' });
    const ciphertext = await client.encryptApplication(text.encode('still here'));
    expect(untext.decode((await counselor.decryptApplication(ciphertext)).plaintext)).toBe('still here');
    expect(inspectMessage(commit)).toMatchObject({ kind: 'commit', epoch: 1n });
  });

  it('rejects a Welcome meant for someone else, or for another room', async () => {
    const room = await openRoom();
    const counselor = at(room.members, 0);
    const intended = await newMember('participant-1');
    const bystander = await newMember('participant-2');
    await bystander.createKeyPackage();
    const { welcome } = await counselor.addMembers([await intended.createKeyPackage()]);
    await counselor.confirmPendingCommit();
    await expect(bystander.joinFromWelcome(welcome)).rejects.toMatchObject({ code: 'welcome-rejected' });
    await expect(intended.joinFromWelcome(welcome, { expectedGroupId: 'another-room' })).rejects.toMatchObject({
      code: 'wrong-group',
    });
    await intended.joinFromWelcome(welcome, { expectedGroupId: GROUP_ID });
    expect(intended.status).toBe('active');
  });

  it('refuses bytes that are not a KeyPackage', async () => {
    const room = await roomOf(2);
    const counselor = at(room.members, 0);
    const notAKeyPackage = await at(room.members, 1).encryptApplication(text.encode('hi'));
    await expect(counselor.addMembers([notAKeyPackage])).rejects.toMatchObject({ code: 'invalid-key-package' });
    await expect(counselor.addMembers([new Uint8Array([1, 2, 3])])).rejects.toMatchObject({ code: 'invalid-key-package' });
    expect(counselor.hasPendingCommit).toBe(false);
  });
});

describe('MlsMember: removing a member', () => {
  it('moves the others to a new epoch the removed member cannot follow', async () => {
    const room = await roomOf(4);
    const [counselor, stays, removed, unaware] = [0, 1, 2, 3].map((index) => at(room.members, index)) as [
      MlsMember,
      MlsMember,
      MlsMember,
      MlsMember,
    ];
    const oldKey = hex(await removed.sframeBaseKey());
    const oldEpoch = removed.epoch;

    const { commit } = await timed('removeMembers (2)', () => counselor.removeMembers(['participant-2', 'participant-3']));
    expect(room.delivery.submit(commit)).toBe(true);
    await counselor.confirmPendingCommit();
    const outcome = await stays.processCommit(commit);
    expect(outcome.removed.map((member) => member.participantId).sort()).toEqual(['participant-2', 'participant-3']);
    expect(outcome).toMatchObject({ epoch: oldEpoch + 1n, removedSelf: false, committerLeafIndex: counselor.ownLeafIndex });

    // One removed member sees the commit and learns it is out; the other never gets it.
    const removedOutcome = await removed.processCommit(commit);
    expect(removedOutcome).toMatchObject({ removedSelf: true, epoch: oldEpoch });
    expect(removed.status).toBe('removed');

    const { key: newKey } = await expectAgreement([counselor, stays]);
    expect(counselor.epoch).toBe(oldEpoch + 1n);
    expect(newKey).not.toBe(oldKey);
    expect(counselor.members().map((member) => member.participantId)).toEqual(['participant-0', 'participant-1']);

    const after = await counselor.encryptApplication(text.encode('only for those still here'));
    expect(untext.decode((await stays.decryptApplication(after)).plaintext)).toBe('only for those still here');
    await expect(removed.decryptApplication(after)).rejects.toMatchObject({ code: 'removed-from-group' });
    await expect(removed.sframeBaseKey()).rejects.toMatchObject({ code: 'removed-from-group' });
    await expect(removed.encryptApplication(text.encode('x'))).rejects.toMatchObject({ code: 'removed-from-group' });
    await expect(unaware.decryptApplication(after)).rejects.toSatisfy(
      (error: unknown) => error instanceof MlsEpochError && error.code === 'future-epoch',
    );

    // Not just bookkeeping: relabelled as the old epoch, the message meets
    // the only keys the unaware member has, and fails to decrypt.
    const decoded = decodeMlsMessage(after, 0)?.[0];
    if (decoded?.wireformat !== 'mls_private_message') throw new Error('expected a PrivateMessage');
    const relabelled = encodeMlsMessage({ ...decoded, privateMessage: { ...decoded.privateMessage, epoch: oldEpoch } });
    await expect(unaware.decryptApplication(relabelled)).rejects.toBeInstanceOf(MlsDecryptError);
    expect(hex(await unaware.sframeBaseKey())).toBe(oldKey);
  });

  it('refuses to remove an unknown participant or the committer itself', async () => {
    const room = await roomOf(2);
    const counselor = at(room.members, 0);
    await expect(counselor.removeMembers(['nobody'])).rejects.toMatchObject({ code: 'unknown-participant' });
    await expect(counselor.removeMembers(['participant-0'])).rejects.toMatchObject({ code: 'invalid-argument' });
    expect(counselor.hasPendingCommit).toBe(false);
  });
});

describe('MlsMember: concurrent commits for one epoch', () => {
  it('lets the first accepted commit win; the loser drops its own, follows, then commits again', async () => {
    const room = await roomOf(3);
    const [alice, bob, carol] = [0, 1, 2].map((index) => at(room.members, index)) as [MlsMember, MlsMember, MlsMember];
    const dave = await newMember('participant-3');
    const erin = await newMember('participant-4');
    const epoch = alice.epoch;

    const fromAlice = await alice.addMembers([await dave.createKeyPackage()]);
    const erinKeyPackage = await erin.createKeyPackage();
    const fromBob = await bob.addMembers([erinKeyPackage]);

    expect(room.delivery.submit(fromAlice.commit)).toBe(true);
    expect(room.delivery.submit(fromBob.commit)).toBe(false);
    await alice.confirmPendingCommit();

    // Bob gets Alice's commit before the server's refusal: it supersedes his.
    const bobOutcome = await bob.processCommit(fromAlice.commit);
    expect(bobOutcome).toMatchObject({ discardedPendingCommit: true, ownCommit: false, epoch: epoch + 1n });
    expect(bob.hasPendingCommit).toBe(false);
    await carol.processCommit(fromAlice.commit);
    await dave.joinFromWelcome(fromAlice.welcome);
    room.members.push(dave);
    await expectAgreement(room.members);

    // A losing commit arriving late is for an epoch everyone has left.
    await expect(carol.processCommit(fromBob.commit)).rejects.toSatisfy(
      (error: unknown) => error instanceof MlsEpochError && error.code === 'stale-epoch' && error.messageEpoch === epoch,
    );
    await expect(carol.processCommit(fromAlice.commit)).rejects.toMatchObject({ code: 'stale-epoch' });

    // Erin's KeyPackage never reached anyone; Bob adds her again, on the new epoch.
    const retry = await bob.addMembers([erinKeyPackage]);
    await deliver(room, bob, retry.commit);
    await erin.joinFromWelcome(retry.welcome);
    room.members.push(erin);
    await expectAgreement(room.members);
    expect(alice.epoch).toBe(epoch + 2n);
  });

  it('also recovers when the loser hears of the refusal first', async () => {
    const room = await roomOf(3);
    const [alice, bob] = [at(room.members, 0), at(room.members, 1)];
    const first = await alice.removeMembers(['participant-2']);
    const second = await bob.removeMembers(['participant-2']);
    expect(room.delivery.submit(first.commit)).toBe(true);
    expect(room.delivery.submit(second.commit)).toBe(false);
    await alice.confirmPendingCommit();
    await bob.discardPendingCommit();
    const outcome = await bob.processCommit(first.commit);
    expect(outcome.discardedPendingCommit).toBe(false);
    await expect(at(room.members, 2).processCommit(first.commit)).resolves.toMatchObject({ removedSelf: true });
    await expectAgreement([alice, bob]);
    const again = await bob.addMembers([await (await newMember('participant-3')).createKeyPackage()]);
    expect(room.delivery.submit(again.commit)).toBe(true);
  });

  it('refuses a commit from a later epoch until the missing one is processed', async () => {
    const room = await roomOf(3);
    const [alice, bob, carol] = [0, 1, 2].map((index) => at(room.members, index)) as [MlsMember, MlsMember, MlsMember];
    const one = await alice.addMembers([await (await newMember('participant-3')).createKeyPackage()]);
    expect(room.delivery.submit(one.commit)).toBe(true);
    await alice.confirmPendingCommit();
    await bob.processCommit(one.commit);
    const two = await bob.removeMembers(['participant-3']);
    expect(room.delivery.submit(two.commit)).toBe(true);
    await bob.confirmPendingCommit();
    await expect(carol.processCommit(two.commit)).rejects.toMatchObject({ code: 'future-epoch' });
    await carol.processCommit(one.commit);
    await carol.processCommit(two.commit);
    await alice.processCommit(two.commit);
    await expectAgreement([alice, bob, carol]);
  });
});

describe('MlsMember: commits that must not apply', () => {
  it('rejects a tampered commit or one for another room, and still applies the genuine one', async () => {
    const room = await roomOf(2);
    const [alice, bob] = [at(room.members, 0), at(room.members, 1)];
    const carol = await newMember('participant-2');
    const { commit, welcome } = await alice.addMembers([await carol.createKeyPackage()]);
    const tampered = commit.slice();
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 0x80;
    await expect(bob.processCommit(tampered)).rejects.toMatchObject({ code: 'commit-rejected' });

    const elsewhere = await openRoom('room-other');
    const foreign = await at(elsewhere.members, 0).addMembers([await (await newMember('participant-9')).createKeyPackage()]);
    await expect(bob.processCommit(foreign.commit)).rejects.toMatchObject({ code: 'wrong-group' });
    await expect(bob.processCommit(foreign.welcome)).rejects.toMatchObject({ code: 'unexpected-message-type' });

    expect(bob.epoch).toBe(1n);
    expect(room.delivery.submit(commit)).toBe(true);
    await alice.confirmPendingCommit();
    await bob.processCommit(commit);
    await carol.joinFromWelcome(welcome);
    await expectAgreement([alice, bob, carol]);
  });
});

describe('MlsMember: application messages', () => {
  it('round-trips chat between members, naming the sender', async () => {
    const room = await roomOf(3);
    const [alice, bob, carol] = [0, 1, 2].map((index) => at(room.members, index)) as [MlsMember, MlsMember, MlsMember];
    for (const [sender, receivers] of [
      [alice, [bob, carol]],
      [bob, [alice, carol]],
      [carol, [alice, bob]],
    ] as const) {
      for (let count = 0; count < 3; count += 1) {
        const body = `pesan ${count} dari ${sender.participantId}`;
        const ciphertext = await timed('encryptApplication', () => sender.encryptApplication(text.encode(body)));
        expect(inspectMessage(ciphertext)).toMatchObject({ kind: 'application', epoch: sender.epoch, senderLeafIndex: undefined });
        for (const receiver of receivers) {
          const received = await timed('decryptApplication', () => receiver.decryptApplication(ciphertext));
          expect(received).toMatchObject({
            senderLeafIndex: sender.ownLeafIndex,
            senderParticipantId: sender.participantId,
            epoch: sender.epoch,
          });
          expect(untext.decode(received.plaintext)).toBe(body);
        }
      }
    }
  });

  it('fails a tampered message with a typed error, and carries on afterwards', async () => {
    const room = await roomOf(2);
    const [alice, bob] = [at(room.members, 0), at(room.members, 1)];
    const ciphertext = await alice.encryptApplication(text.encode('rahasia'));
    const tampered = ciphertext.slice();
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 0x01;
    await expect(bob.decryptApplication(tampered)).rejects.toSatisfy(
      (error: unknown) => error instanceof MlsDecryptError && error.code === 'decrypt-failed',
    );
    await expect(bob.decryptApplication(new Uint8Array([0, 1, 0, 2, 9]))).rejects.toMatchObject({ code: 'malformed-message' });
    await expect(bob.decryptApplication(ciphertext.subarray(0, ciphertext.length - 3))).rejects.toBeInstanceOf(MlsGroupError);
    // The untouched original still decrypts: a failure changes nothing.
    expect(untext.decode((await bob.decryptApplication(ciphertext)).plaintext)).toBe('rahasia');
    // A replay does not.
    await expect(bob.decryptApplication(ciphertext)).rejects.toMatchObject({ code: 'decrypt-failed' });
  });

  it('keeps routing apart: no commits through decrypt, no chat through processCommit, no own messages', async () => {
    const room = await roomOf(2);
    const [alice, bob] = [at(room.members, 0), at(room.members, 1)];
    const chat = await alice.encryptApplication(text.encode('halo'));
    await expect(bob.processCommit(chat)).rejects.toMatchObject({ code: 'unexpected-message-type' });
    await expect(alice.decryptApplication(chat)).rejects.toMatchObject({ code: 'unexpected-message-type' });
    const { commit } = await alice.addMembers([await (await newMember('participant-2')).createKeyPackage()]);
    await expect(bob.decryptApplication(commit)).rejects.toMatchObject({ code: 'unexpected-message-type' });
    await alice.discardPendingCommit();
    expect(untext.decode((await bob.decryptApplication(chat)).plaintext)).toBe('halo');
  });

  it('decrypts a message from the previous epoch that arrives after the commit, and one from the next epoch once caught up', async () => {
    const room = await roomOf(3);
    const [alice, bob, carol] = [0, 1, 2].map((index) => at(room.members, index)) as [MlsMember, MlsMember, MlsMember];
    const late = await bob.encryptApplication(text.encode('sent before the commit'));
    const { commit } = await alice.addMembers([await (await newMember('participant-3')).createKeyPackage()]);
    expect(room.delivery.submit(commit)).toBe(true);
    await alice.confirmPendingCommit();
    await bob.processCommit(commit);

    const early = await bob.encryptApplication(text.encode('sent after the commit'));
    await expect(carol.decryptApplication(early)).rejects.toMatchObject({ code: 'future-epoch' });
    await carol.processCommit(commit);
    expect(await carol.decryptApplication(early)).toMatchObject({ epoch: carol.epoch, senderLeafIndex: bob.ownLeafIndex });
    const delayed = await carol.decryptApplication(late);
    expect(delayed.epoch).toBe(carol.epoch - 1n);
    expect(untext.decode(delayed.plaintext)).toBe('sent before the commit');
    expect(untext.decode((await alice.decryptApplication(late)).plaintext)).toBe('sent before the commit');
  });

  it('does not decrypt a message twice when it arrived while our commit was pending', async () => {
    const room = await roomOf(2);
    const [alice, bob] = [at(room.members, 0), at(room.members, 1)];
    const message = await bob.encryptApplication(text.encode('once'));
    const { commit } = await alice.addMembers([await (await newMember('participant-2')).createKeyPackage()]);
    expect(untext.decode((await alice.decryptApplication(message)).plaintext)).toBe('once');
    expect(room.delivery.submit(commit)).toBe(true);
    await alice.confirmPendingCommit();
    await expect(alice.decryptApplication(message)).rejects.toMatchObject({ code: 'decrypt-failed' });
  });

  it('serialises concurrent calls so no state update is lost', async () => {
    const room = await roomOf(2);
    const [alice, bob] = [at(room.members, 0), at(room.members, 1)];
    const bodies = Array.from({ length: 12 }, (_, index) => `m${index}`);
    const ciphertexts = await Promise.all(bodies.map((body) => alice.encryptApplication(text.encode(body))));
    const received = await Promise.all(ciphertexts.map((ciphertext) => bob.decryptApplication(ciphertext)));
    expect(received.map((message) => untext.decode(message.plaintext))).toEqual(bodies);
  });
});

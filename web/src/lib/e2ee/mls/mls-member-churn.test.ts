import { describe, expect, it } from 'vitest';
import { MlsIdentity, MlsMember } from './index.js';

/*
 * A circle with people coming and going: leavers are removed (their leaves go
 * blank) and newcomers are added into those blank leaves, in more than one
 * commit and under different subtrees. Every newcomer must be able to join
 * from its Welcome (the tree it carries is valid under RFC 9420's rules;
 * ts-mls 1.6.4 refused it until patches/ts-mls+1.6.4.patch), and everyone
 * must end in one group.
 */
const member = async (id: string) => MlsMember.create(await MlsIdentity.generate(id));

describe('a group of twenty through waves of leaving and joining', () => {
  it('every newcomer joins from its Welcome, and all twenty share one safety code after each wave', { timeout: 120_000 }, async () => {
    const host = await member('m0');
    await host.createGroup('circle');
    const members = [host];
    let next = 1;
    const commitAndApply = async (commit: Uint8Array) => {
      await host.confirmPendingCommit();
      for (const other of members) if (other !== host) await other.processCommit(commit);
    };
    const join = async (count: number) => {
      const newcomers = await Promise.all(Array.from({ length: count }, () => member(`m${next++}`)));
      const { commit, welcome } = await host.addMembers(await Promise.all(newcomers.map((m) => m.createKeyPackage())));
      await commitAndApply(commit);
      for (const newcomer of newcomers) await newcomer.joinFromWelcome(welcome!, { expectedGroupId: 'circle' });
      members.push(...newcomers);
    };
    await join(19);
    for (let wave = 0; wave < 3; wave += 1) {
      const leaving = members.slice(3 + wave * 2, 11 + wave * 2);
      const { commit } = await host.removeMembers(leaving.map((m) => m.participantId));
      for (const gone of leaving) members.splice(members.indexOf(gone), 1);
      await commitAndApply(commit);
      // Newcomers' KeyPackages arrive at different moments: two add commits, into blank leaves far apart.
      await join(3);
      await join(5);
      expect(members).toHaveLength(20);
      expect(new Set(await Promise.all(members.map((m) => m.safetyCode()))).size).toBe(1);
      expect(new Set(members.map((m) => m.epoch)).size).toBe(1);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { MlsGroupError } from './errors.js';
import { MlsIdentity } from './identity.js';
import { MlsMember } from './mls-member.js';

describe('MlsIdentity', () => {
  it('survives an export and import, and the rebuilt identity can join a group', async () => {
    const original = await MlsIdentity.generate('user-b');
    const material = original.exportKeyMaterial();
    expect(material.participantId).toBe('user-b');
    expect(material.signaturePublicKey).toHaveLength(32);

    const restored = await MlsIdentity.fromKeyMaterial(structuredClone(material));
    expect(restored.signaturePublicKey).toEqual(original.signaturePublicKey);

    const counselor = await MlsMember.create(await MlsIdentity.generate('user-a'));
    await counselor.createGroup('room-1');
    const client = await MlsMember.create(restored);
    const { welcome } = await counselor.addMembers([await client.createKeyPackage()]);
    await counselor.confirmPendingCommit();
    await client.joinFromWelcome(welcome, { expectedGroupId: 'room-1' });
    expect(await client.sframeBaseKey()).toEqual(await counselor.sframeBaseKey());
  });

  it('refuses keys that do not form a pair', async () => {
    const one = (await MlsIdentity.generate('user-a')).exportKeyMaterial();
    const other = (await MlsIdentity.generate('user-a')).exportKeyMaterial();
    await expect(MlsIdentity.fromKeyMaterial({ ...one, signaturePublicKey: other.signaturePublicKey })).rejects.toMatchObject({
      code: 'invalid-identity',
    });
    await expect(MlsIdentity.fromKeyMaterial({ ...one, signaturePrivateKey: new Uint8Array(5) })).rejects.toBeInstanceOf(MlsGroupError);
  });

  it('refuses an empty or oversized participant id', async () => {
    await expect(MlsIdentity.generate('')).rejects.toMatchObject({ code: 'invalid-identity' });
    await expect(MlsIdentity.generate('x'.repeat(257))).rejects.toMatchObject({ code: 'invalid-identity' });
  });

  it('keeps the private key out of what serialising the object shows', async () => {
    const identity = await MlsIdentity.generate('user-a');
    expect(JSON.parse(JSON.stringify(identity))).toEqual({ participantId: 'user-a' });
  });
});

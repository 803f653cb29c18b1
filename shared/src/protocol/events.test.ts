import { describe, expect, it } from 'vitest';
import { ApplicationPayload, ChatPayload } from './chat.js';
import { clientRequests } from './events.js';
import { toValidationIssues } from '../result.js';

const uuid = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

describe('client request schemas', () => {
  it('reject a chat line that is empty or too long, naming the field', () => {
    const empty = ChatPayload.safeParse({ kind: 'chat', id: uuid, text: '   ' });
    expect(empty.success).toBe(false);
    if (!empty.success) expect(toValidationIssues(empty.error)).toEqual([{ path: 'text', message: 'must not be empty' }]);

    const long = ChatPayload.safeParse({ kind: 'chat', id: uuid, text: 'x'.repeat(2001) });
    expect(long.success).toBe(false);
  });

  it('accept an emergency contact only with a plausible phone number', () => {
    const base = { kind: 'emergency-contact', id: uuid, name: 'Siti', relation: 'istri' };
    expect(ApplicationPayload.safeParse({ ...base, phone: '+62 812-3456-7890' }).success).toBe(true);
    expect(ApplicationPayload.safeParse({ ...base, phone: 'call me' }).success).toBe(false);
    expect(ApplicationPayload.safeParse({ ...base, phone: '0812345678', extra: 1 }).success).toBe(false);
  });

  it('carry MLS messages as bytes only, within size limits', () => {
    const schema = clientRequests['mls:message'].request;
    expect(schema.safeParse({ epoch: 0, message: new Uint8Array([1]) }).success).toBe(true);
    expect(schema.safeParse({ epoch: 0, message: 'text' }).success).toBe(false);
    expect(schema.safeParse({ epoch: -1, message: new Uint8Array([1]) }).success).toBe(false);
    expect(schema.safeParse({ epoch: 0, message: new Uint8Array(0) }).success).toBe(false);
  });

  it('reject unknown fields, so nothing unexpected rides along', () => {
    const parsed = clientRequests['lobby:knock'].request.safeParse({
      appointmentId: '0123456789abcdef01234567',
      note: 'anything',
    });
    expect(parsed.success).toBe(false);
  });

  it('accept the DTLS parameters a browser sends and refuse a malformed fingerprint', () => {
    const schema = clientRequests['room:connect-transport'].request;
    const transportId = uuid;
    const good = schema.safeParse({
      transportId,
      dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AB:CD:EF' }] },
    });
    expect(good.success).toBe(true);
    const bad = schema.safeParse({
      transportId,
      dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'not hex' }] },
    });
    expect(bad.success).toBe(false);
    if (!bad.success) expect(toValidationIssues(bad.error)[0]?.path).toBe('dtlsParameters.fingerprints.0.value');
  });

  it('every request has a response schema', () => {
    for (const [name, spec] of Object.entries(clientRequests)) {
      expect(spec.request, name).toBeDefined();
      expect(spec.response, name).toBeDefined();
    }
  });
});

import { randomUUID } from 'node:crypto';
import type { BookingView, CounselorSlotsView } from '@care/shared';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlatform } from '../../support/test-platform.js';
import { schedulingClient, type TestAccount } from '../scheduling/scheduling-app.js';
import { startDrivenNode, type DrivenNode } from './driven-node.js';
import type { SmtpInbox } from './smtp-inbox.js';

/*
 * A node that dies between inserting a booking and claiming its invitations
 * leaves a booking nobody invited. Every node's scheduler looks at the
 * bookings of the last hour and sends what nobody claimed — once, whoever
 * looks, and never a second copy of an invitation the booking node sent.
 * Real FerretDB, Redis and an in-process SMTP server.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let node: DrivenNode;
let t: TestPlatform;
let inbox: SmtpInbox;
let counselor: TestAccount;
let asn: TestAccount;
let slots: string[];

beforeAll(async () => {
  node = await startDrivenNode('missed');
  ({ t, inbox, counselor, asn } = node);
  const listed = await schedulingClient(t.url, asn.cookie).get<CounselorSlotsView>(`/counselors/${counselor.id}/slots`);
  slots = (listed.body.data?.slots ?? []).map((s) => s.startsAt).filter((s) => Date.parse(s) > Date.now() + 48 * HOUR);
});

afterAll(async () => {
  await node?.close();
});

const invitationsFor = (appointmentId: string) =>
  t.platform.db.connection.collection('deliveries').find({ appointmentId: new Types.ObjectId(appointmentId), kind: 'invite' }).toArray();

async function passes(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await t.platform.notifications.scheduler.tick();
  await t.platform.notifications.service.idle();
}

describe('invitations a dead node did not send', () => {
  it('are sent by the scheduler after a minute, once, to both people', async () => {
    // What the booking node wrote before it died: the appointment, no claim.
    const orphan = await t.platform.db.appointments.create({
      counselorId: counselor.id,
      clientId: asn.id,
      startsAt: new Date(slots[0]!),
      endsAt: new Date(Date.parse(slots[0]!) + 50 * MINUTE),
      roomId: randomUUID(),
      status: 'booked',
    });
    const id = String(orphan._id);
    const before = inbox.received.length;

    // Within the first minute the booking node may still be sending: the scheduler leaves it.
    await passes(1);
    expect(await invitationsFor(id)).toEqual([]);

    node.setClock(Date.now() + 2 * MINUTE);
    await passes(3);
    const mails = inbox.received.slice(before);
    expect(mails).toHaveLength(2);
    expect(mails.every((m) => /^Janji CARE ASN: /.test(m.subject) && m.calendars.length > 0)).toBe(true);
    const claims = await invitationsFor(id);
    expect(claims.map((c) => `${c.detail}:${c.status}`)).toEqual(['booked:sent', 'booked:sent']);
  });

  it('never doubles an invitation the booking node sent itself', async () => {
    node.setClock(null);
    const booked = await schedulingClient(t.url, asn.cookie).post<BookingView>('/bookings', { counselorId: counselor.id, startsAt: slots[1] });
    expect(booked.status).toBe(201);
    await t.platform.notifications.service.idle();
    const after = inbox.received.length;
    node.setClock(Date.now() + 2 * MINUTE);
    await passes(3);
    expect(inbox.received.length).toBe(after);
    expect(await invitationsFor(booked.body.data!.id)).toHaveLength(2);
  });

  it('covers a cancellation too: its CANCEL goes out once, and never twice', async () => {
    node.setClock(null);
    const booked = await schedulingClient(t.url, asn.cookie).post<BookingView>('/bookings', { counselorId: counselor.id, startsAt: slots[2] });
    expect(booked.status).toBe(201);
    await t.platform.notifications.service.idle();
    const id = booked.body.data!.id;
    // What a cancelling node wrote before it died: the booking moved to cancelled_appointments, no claim for its CANCEL.
    const live = await t.platform.db.connection.collection('appointments').findOne({ _id: new Types.ObjectId(id) });
    await t.platform.db.connection.collection('cancelled_appointments').insertOne({
      _id: live!._id,
      counselorId: live!.counselorId,
      clientId: live!.clientId,
      startsAt: live!.startsAt,
      endsAt: live!.endsAt,
      bookedAt: live!.createdAt,
      cancelledAt: new Date(),
      cancelledBy: 'counselor',
      reason: 'counselor_unwell',
      rescheduledTo: null,
      calendarUid: live!.calendarUid,
      calendarSequence: (live!.calendarSequence as number) + 1,
    });
    await t.platform.db.connection.collection('appointments').deleteOne({ _id: live!._id });
    const before = inbox.received.length;

    node.setClock(Date.now() + 2 * MINUTE);
    await passes(3);
    const cancels = inbox.received.slice(before);
    expect(cancels).toHaveLength(2);
    for (const mail of cancels) {
      expect(mail.calendars[0]?.content).toContain('METHOD:CANCEL');
      expect(mail.calendars[0]?.content).toContain(`UID:${live!.calendarUid as string}`);
    }
    expect((await invitationsFor(id)).filter((c) => c.detail === 'cancelled').map((c) => c.status)).toEqual(['sent', 'sent']);

    // A cancellation made the usual way is not sent a second time.
    node.setClock(null);
    const other = await schedulingClient(t.url, asn.cookie).post<BookingView>('/bookings', { counselorId: counselor.id, startsAt: slots[3] });
    expect((await schedulingClient(t.url, counselor.cookie).post(`/bookings/${other.body.data!.id}/cancel`, { reason: 'counselor_unavailable' })).status).toBe(200);
    await t.platform.notifications.service.idle();
    const after = inbox.received.length;
    node.setClock(Date.now() + 2 * MINUTE);
    await passes(3);
    expect(inbox.received.length).toBe(after);
  });
});

import { randomUUID } from 'node:crypto';
import type { Role } from '@care/shared';
import type { Logger } from 'pino';
import { hashPassword } from '../auth/password.js';
import type { Database } from '../db/database.js';
import { seedDemoCircle } from './demo-circle-seed.js';

/** Demo accounts for the embedded default; README lists them. Never seeded in production. */
export const demoAccounts = [
  { email: 'konselor@demo.care-asn.id', password: 'demo-konselor', displayName: 'Dewi Konselor', role: 'counselor' },
  { email: 'asn@demo.care-asn.id', password: 'demo-asn', displayName: 'Budi ASN', role: 'asn' },
  { email: 'admin@demo.care-asn.id', password: 'demo-admin', displayName: 'Admin Program', role: 'admin' },
  // Three more civil servants, so the demo circle has members.
  { email: 'asn2@demo.care-asn.id', password: 'demo-asn', displayName: 'Sari ASN', role: 'asn' },
  { email: 'asn3@demo.care-asn.id', password: 'demo-asn', displayName: 'Rina ASN', role: 'asn' },
  { email: 'asn4@demo.care-asn.id', password: 'demo-asn', displayName: 'Agus ASN', role: 'asn' },
] as const satisfies ReadonlyArray<{ email: string; password: string; displayName: string; role: Role }>;

export const DEMO_SESSION_MINUTES = 50;

export async function ensureUser(db: Database, account: (typeof demoAccounts)[number]): Promise<string> {
  const existing = await db.users.findOne({ email: account.email });
  if (existing) return existing.id as string;
  try {
    const created = await db.users.create({
      email: account.email,
      displayName: account.displayName,
      role: account.role,
      passwordHash: await hashPassword(account.password),
      // The demo client belongs to a demo unit, so the report has a unit to count by.
      agencyUnit: account.role === 'asn' ? 'DEMO' : null,
    });
    return created.id as string;
  } catch (error) {
    // Another node seeded it first (the unique email index decided).
    const raced = await db.users.findOne({ email: account.email });
    if (raced) return raced.id as string;
    throw error;
  }
}

/**
 * The demo accounts, an appointment between the demo counselor and the demo
 * ASN that is open now (started at the current minute when none is), and a
 * circle the counselor facilitates with a meeting open now.
 */
export async function seedDemo(db: Database, log: Logger, now = new Date()): Promise<{ appointmentId: string; circleMeetingId: string }> {
  const [counselorId, clientId] = [await ensureUser(db, demoAccounts[0]), await ensureUser(db, demoAccounts[1])];
  const others: string[] = [];
  for (const account of demoAccounts.slice(2)) {
    const id = await ensureUser(db, account);
    if (account.role === 'asn') others.push(id);
  }
  const circleMeetingId = await seedDemoCircle(db, counselorId, [clientId, ...others], log, now);
  return { appointmentId: await seedDemoAppointment(db, counselorId, clientId, log, now), circleMeetingId };
}

async function seedDemoAppointment(db: Database, counselorId: string, clientId: string, log: Logger, now: Date): Promise<string> {
  const open = await db.appointments.findOne({
    counselorId,
    clientId,
    status: 'booked',
    startsAt: { $lte: now },
    endsAt: { $gte: new Date(now.getTime() + 10 * 60_000) },
  });
  if (open) return open.id as string;

  const startsAt = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  try {
    const created = await db.appointments.create({
      counselorId,
      clientId,
      startsAt,
      endsAt: new Date(startsAt.getTime() + DEMO_SESSION_MINUTES * 60_000),
      roomId: randomUUID(),
    });
    log.info({ appointmentId: created.id }, 'demo appointment created');
    return created.id as string;
  } catch (error) {
    const raced = await db.appointments.findOne({ counselorId, startsAt });
    if (raced) return raced.id as string;
    throw error;
  }
}

import { z } from 'zod';

export const Role = z.enum(['asn', 'counselor', 'admin']);
export type Role = z.infer<typeof Role>;

export const AppointmentStatus = z.enum(['booked', 'cancelled', 'completed']);
export type AppointmentStatus = z.infer<typeof AppointmentStatus>;

export const Locale = z.enum(['id', 'en']);
export type Locale = z.infer<typeof Locale>;

/** Opaque ids: 24 hex digits (MongoDB ObjectId) for stored things. */
export const ObjectIdString = z.string().regex(/^[a-f0-9]{24}$/, 'must be a 24-character hex id');

/** Ids minted by the media layer (mediasoup uses UUIDs). */
export const MediaId = z.string().uuid('must be a UUID');

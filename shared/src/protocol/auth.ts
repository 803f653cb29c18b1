import { z } from 'zod';
import { Locale, Role } from '../domain.js';

export const LoginBody = z.strictObject({
  email: z.string().trim().toLowerCase().email('must be an email address').max(254),
  password: z.string().min(1, 'is required').max(200),
});
export type LoginBody = z.infer<typeof LoginBody>;

export const CurrentUser = z.object({
  id: z.string(),
  displayName: z.string(),
  role: Role,
  timeZone: z.string(),
  locale: Locale,
});
export type CurrentUser = z.infer<typeof CurrentUser>;

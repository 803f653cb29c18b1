import { NewPassword } from '@care/shared';
import { describe, expect, it } from 'vitest';
import { NEW_PASSWORD_MIN, newPasswordProblem } from './new-password.js';

describe('newPasswordProblem', () => {
  it('follows the server’s rule for new passwords', () => {
    expect(NewPassword.safeParse('x'.repeat(NEW_PASSWORD_MIN)).success).toBe(true);
    expect(NewPassword.safeParse('x'.repeat(NEW_PASSWORD_MIN - 1)).success).toBe(false);
  });

  it('names the field at fault: too short first, then a repetition that differs', () => {
    expect(newPasswordProblem('short', 'short')).toEqual({ next: 'invite.passwordRule' });
    expect(newPasswordProblem('long-enough-1', 'long-enough-2')).toEqual({ repeat: 'invite.mismatch' });
    expect(newPasswordProblem('long-enough-1', 'long-enough-1')).toBeUndefined();
  });
});

import { HelpLine } from '@care/shared';
import { z } from 'zod';

/** The answer as the server must give it; anything else leaves the defaults in the text. */
const HelpLinesAnswer = z.object({ ok: z.literal(true), data: z.array(HelpLine) });

/**
 * The deployment's crisis lines, read once per page load and shared by
 * every help panel, so a panel opened later (a check-in answer that calls
 * for it) shows at once and asks the server nothing.
 */
export const helpLines = $state<{ lines: HelpLine[] }>({ lines: [] });
let requested = false;

export function loadHelpLines(): void {
  if (requested) return;
  requested = true;
  fetch('/api/help-lines')
    .then((response) => response.json() as Promise<unknown>)
    .then((body) => {
      const answer = HelpLinesAnswer.safeParse(body);
      if (answer.success) helpLines.lines = answer.data.data;
      else if ((body as { ok?: unknown } | null)?.ok === true) console.warn('dropped a malformed server answer: /api/help-lines');
    })
    .catch(() => {
      // Until they load (or if they cannot), the national defaults in the text stand; a later panel may try again.
      requested = false;
    });
}

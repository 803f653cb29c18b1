import type { Ack, HelpLine } from '@care/shared';

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
    .then((response) => response.json() as Promise<Ack<HelpLine[]>>)
    .then((body) => {
      if (body.ok) helpLines.lines = body.data;
    })
    .catch(() => {
      // Until they load (or if they cannot), the national defaults in the text stand; a later panel may try again.
      requested = false;
    });
}

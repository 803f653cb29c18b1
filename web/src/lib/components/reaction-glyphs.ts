import type { Reaction } from '@care/shared';

/** How each reaction looks; its words come from the i18n layer. */
const glyphs: Record<Reaction, string> = {
  heart: '💚',
  thanks: '🙏',
  agree: '👍',
  hug: '🤗',
  strong: '💪',
  smile: '🙂',
};

export function reactionGlyph(reaction: Reaction): string {
  return glyphs[reaction];
}

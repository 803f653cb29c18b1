import type { MessageKey } from '../../i18n/i18n.svelte.js';

/** Tells the page's polite live region what just happened (someone knocked, came, left, raised a hand). */
export type Announce = (key: MessageKey, name: string) => void;

/**
 * What happens behind the person on their own camera, chosen on this device:
 * nothing (the camera as it is), blurred, or replaced by a plain colour.
 */
export const BACKGROUND_CHOICES = ['off', 'blur', 'plain'] as const;
export type BackgroundChoice = (typeof BACKGROUND_CHOICES)[number];

/** The device remembers only which of the three it was: no picture, no person. */
export const BACKGROUND_STORAGE_KEY = 'care.background';

/** Where the choice is kept (localStorage in the browser). */
export type ChoiceStore = Pick<Storage, 'getItem' | 'setItem'>;

function isChoice(value: string | null): value is BackgroundChoice {
  return (BACKGROUND_CHOICES as readonly (string | null)[]).includes(value);
}

/** The remembered choice; off unless this device chose otherwise. */
export function rememberedChoice(store: ChoiceStore | undefined): BackgroundChoice {
  try {
    const saved = store?.getItem(BACKGROUND_STORAGE_KEY) ?? null;
    return isChoice(saved) ? saved : 'off';
  } catch {
    // Storage refused (private mode, a policy): the default, as on a new device.
    return 'off';
  }
}

export function rememberChoice(store: ChoiceStore | undefined, choice: BackgroundChoice): void {
  try {
    store?.setItem(BACKGROUND_STORAGE_KEY, choice);
  } catch {
    // Not remembered this time; the choice still applies now.
  }
}

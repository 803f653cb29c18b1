import { tick } from 'svelte';

/**
 * Where a page says how its last action went (a live region): after the
 * action, focus moves there, so a keyboard or screen-reader user hears the
 * outcome instead of staying on a button that may have gone.
 */
export class OutcomeFocus {
  element = $state<HTMLElement>();

  async after(action: Promise<boolean>): Promise<void> {
    await action;
    await tick();
    this.element?.focus();
  }
}

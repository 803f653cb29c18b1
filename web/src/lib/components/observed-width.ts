import type { Attachment } from 'svelte/attachments';

/**
 * Tells an element's width (its clientWidth) each time the browser lays it
 * out anew, from a ResizeObserver, which also reports it once after the
 * element first appears. Never by reading it at mount, as Svelte's
 * `bind:clientWidth` does: that read forces a layout of the whole page in
 * the middle of building it. In the room's view it cost about 40 ms of the
 * one task that builds it, a task a newcomer's first picture waits for
 * (issue 15). When the observer reports, layout is done, so the read is free.
 */
export function observedWidth(report: (width: number) => void): Attachment<HTMLElement> {
  return (element) => {
    const observer = new ResizeObserver(() => report(element.clientWidth));
    observer.observe(element);
    return () => observer.disconnect();
  };
}

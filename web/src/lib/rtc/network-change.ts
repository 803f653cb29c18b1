/** The Network Information API where the browser has it (Chromium on Android and ChromeOS tells the connection's type). */
interface NetworkInformation extends EventTarget {
  readonly type?: string;
}

/**
 * Calls `changed` when the browser says the network under the page changed:
 * back `online`, or another connection type (Wi-Fi to mobile data). A change
 * of the estimated speed alone is not one (a slow link is not a moved one).
 * Desktop Chromium tells neither for a new address on the same interface:
 * the media path's silence covers that (`PathSilence`). Returns the cleanup.
 */
export function listenToNetwork(changed: () => void): () => void {
  const connection = (navigator as Navigator & { connection?: NetworkInformation }).connection;
  let type = connection?.type;
  const onConnection = () => {
    if (connection?.type === undefined || connection.type === type) return;
    type = connection.type;
    changed();
  };
  window.addEventListener('online', changed);
  connection?.addEventListener('change', onConnection);
  return () => {
    window.removeEventListener('online', changed);
    connection?.removeEventListener('change', onConnection);
  };
}

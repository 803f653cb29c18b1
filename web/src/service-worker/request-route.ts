/**
 * What the service worker does with one request. It answers from its cache
 * only files of the build's shell, named in advance, and offers the offline
 * page only for a page that could not load; everything else — every API
 * answer, Socket.IO, anything with a query — it leaves to the browser, so
 * nothing about a person can ever be stored by it.
 */
export type RequestRoute =
  /** Not ours to answer: the browser fetches it as if there were no service worker. */
  | 'untouched'
  /** A file of this build's shell: the cached copy, else the network (never stored then). */
  | 'shell'
  /** A page: the network, and the offline page when the server cannot be reached. */
  | 'navigation';

/** Paths a service worker must never answer, even for a navigation (a calendar file is downloaded by one). */
// Case-insensitive, as Express routes.
const NEVER_ANSWERED = [/^\/api(\/|$)/i, /^\/socket\.io(\/|$)/i, /^\/(healthz|readyz|metrics|service-worker\.js)$/i];

export interface RouteRequest {
  url: string;
  method: string;
  mode: RequestMode;
}

export function routeOf(request: RouteRequest, origin: string, shell: ReadonlySet<string>): RequestRoute {
  if (request.method !== 'GET') return 'untouched';
  const url = new URL(request.url);
  if (url.origin !== origin) return 'untouched';
  if (NEVER_ANSWERED.some((path) => path.test(url.pathname))) return 'untouched';
  if (request.mode === 'navigate') return 'navigation';
  // Shell files are named without a query; anything asked with one is someone else's question.
  if (url.search === '' && shell.has(url.pathname)) return 'shell';
  return 'untouched';
}

/** A server that is down behind a proxy answers these: the offline page helps more than an error page. */
export function serverUnreachable(status: number): boolean {
  return status === 502 || status === 503 || status === 504;
}

/**
 * The paths the shell keeps, from the build's file lists. The E2EE frame
 * worker's script is left out: the browser fetches it exactly as it would with
 * no service worker, so nothing stands between a page and its encryption (and
 * a tampered or blocked worker is seen as the page would see it).
 */
export function shellPaths(files: ReadonlyArray<{ path: string }>): Set<string> {
  const paths = files.map(({ path }) => (path.startsWith('/') ? path : `/${path}`));
  return new Set(paths.filter((path) => !path.startsWith('/_app/immutable/workers/')));
}

const CACHE_PREFIX = 'care-asn-shell-';

/** One cache per build: a new build installs beside the old one and removes it once it takes over. */
export function shellCacheName(version: string): string {
  return `${CACHE_PREFIX}${version}`;
}

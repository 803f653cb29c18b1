/// <reference lib="webworker" />
import { version } from '$app/env';
import { assets, immutable, prerendered } from '$app/manifest';
import { self } from '$app/service-worker';
import { routeOf, serverUnreachable, shellCacheName, shellPaths } from './request-route.js';

/*
 * The app shell, kept for a phone on a weak or absent connection: the build's
 * scripts and styles (not the frame worker, see shellPaths), the static files
 * (icons, manifest, the self-help library: readable offline) and the offline page with the crisis lines. Never an API answer, never a page someone saw, nothing
 * personal: the list below is fixed when the build is made, and the only file
 * ever stored again is the offline page (its lines may change on the server).
 */

const CACHE = shellCacheName(version);
const OFFLINE_PAGE = '/offline';
const shell = shellPaths([...immutable, ...assets, ...prerendered]);
/** How often, at most, a page load also asks for a fresh offline page (the deployment's lines can change). */
const OFFLINE_REFRESH_MS = 10 * 60_000;
let offlineFetchedAt = 0;

self.addEventListener('install', (event) => {
  // All or nothing: a shell with a file missing is not installed, and the browser tries again later.
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll([...shell])));
});

self.addEventListener('activate', (event) => {
  // This build's shell is the only cache: the old build's goes once no page uses it (no skipWaiting:
  // a page opened under the old build keeps its files until it closes).
  event.waitUntil(
    caches.keys().then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name)))),
  );
});

self.addEventListener('fetch', (event) => {
  const route = routeOf(event.request, self.location.origin, shell);
  switch (route) {
    case 'untouched':
      return;
    case 'shell':
      event.respondWith(fromShell(event.request));
      return;
    case 'navigation':
      event.respondWith(page(event));
      return;
    default:
      route satisfies never;
  }
});

async function fromShell(request: Request): Promise<Response> {
  const cached = await caches.match(request, { cacheName: CACHE });
  return cached ?? fetch(request);
}

async function page(event: FetchEvent): Promise<Response> {
  try {
    const response = await fetch(event.request);
    if (!serverUnreachable(response.status)) {
      event.waitUntil(refreshOfflinePage());
      return response;
    }
  } catch {
    // No network, or the server is gone: the offline page below.
  }
  return (await caches.match(OFFLINE_PAGE, { cacheName: CACHE })) ?? Response.error();
}

/** The offline page as the server renders it now, with the lines it is configured with. */
async function refreshOfflinePage(): Promise<void> {
  if (Date.now() - offlineFetchedAt < OFFLINE_REFRESH_MS) return;
  offlineFetchedAt = Date.now();
  try {
    const response = await fetch(OFFLINE_PAGE, { cache: 'no-cache' });
    if (response.ok && response.headers.get('content-type')?.startsWith('text/html')) await (await caches.open(CACHE)).put(OFFLINE_PAGE, response);
  } catch {
    // Offline again: the copy from before stays.
  }
}

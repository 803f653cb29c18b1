import { describe, expect, it } from 'vitest';
import { routeOf, serverUnreachable, shellCacheName, shellPaths } from './request-route.js';

const origin = 'https://care.example.id';
const shell = new Set(['/_app/immutable/entry/start.abc.js', '/manifest.webmanifest', '/offline']);
const get = (path: string, mode: RequestMode = 'cors') => ({ url: `${origin}${path}`, method: 'GET', mode });

describe('what the service worker answers', () => {
  it('answers the shell’s own files from its cache, and nothing else', () => {
    expect(routeOf(get('/_app/immutable/entry/start.abc.js'), origin, shell)).toBe('shell');
    expect(routeOf(get('/manifest.webmanifest'), origin, shell)).toBe('shell');
    expect(routeOf(get('/_app/immutable/entry/other.js'), origin, shell)).toBe('untouched');
    expect(routeOf(get('/icons/icon-192.png'), origin, shell)).toBe('untouched');
  });

  it('never touches the API, Socket.IO, health, metrics or its own script, navigations included', () => {
    for (const path of ['/api/auth/me', '/api/help-lines', '/api', '/api/circles/x/calendar.ics', '/API/auth/me', '/socket.io/?EIO=4&transport=polling', '/healthz', '/readyz', '/metrics', '/service-worker.js']) {
      expect(routeOf(get(path), origin, shell), path).toBe('untouched');
      expect(routeOf(get(path, 'navigate'), origin, shell), path).toBe('untouched');
    }
  });

  it('leaves a shell file asked with a query, other methods and other origins to the browser', () => {
    expect(routeOf(get('/_app/immutable/entry/start.abc.js?/api/auth/me'), origin, shell)).toBe('untouched');
    expect(routeOf({ ...get('/manifest.webmanifest'), method: 'POST' }, origin, shell)).toBe('untouched');
    expect(routeOf({ ...get('/offline', 'navigate'), method: 'HEAD' }, origin, shell)).toBe('untouched');
    expect(routeOf(get('/manifest.webmanifest'), 'https://other.example.id', shell)).toBe('untouched');
    // A path that merely looks like ours under another prefix is not the API.
    expect(routeOf(get('/apix/thing', 'navigate'), origin, shell)).toBe('navigation');
  });

  it('treats every page load as a navigation, with its query', () => {
    expect(routeOf(get('/session/abc', 'navigate'), origin, shell)).toBe('navigation');
    expect(routeOf(get('/?ended=expired', 'navigate'), origin, shell)).toBe('navigation');
  });

  it('shows the offline page when a proxy says the server is gone', () => {
    expect([502, 503, 504].every(serverUnreachable)).toBe(true);
    expect([200, 304, 401, 404, 500].some(serverUnreachable)).toBe(false);
  });

  it('names one cache per build', () => {
    expect(shellCacheName('123')).toBe('care-asn-shell-123');
    expect(shellCacheName('124')).not.toBe(shellCacheName('123'));
  });

  it('keeps the build’s files rooted at /, never the frame worker’s script', () => {
    const paths = shellPaths([
      { path: '_app/immutable/entry/start.abc.js' },
      { path: '_app/immutable/workers/frame-crypto.worker-abc.js' },
      { path: 'manifest.webmanifest' },
      { path: '/offline' },
    ]);
    expect([...paths]).toEqual(['/_app/immutable/entry/start.abc.js', '/manifest.webmanifest', '/offline']);
    expect(routeOf(get('/_app/immutable/workers/frame-crypto.worker-abc.js'), origin, paths)).toBe('untouched');
  });
});

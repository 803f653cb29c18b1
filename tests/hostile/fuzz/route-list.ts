import type { Express } from 'express';

/** The parts of Express 5's router (the `router` package, 2.x) that say which routes exist. */
interface RouterLayer {
  rawPath?: string | string[];
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: RouterLayer[] };
}

function joinPath(prefix: string, path: string): string {
  if (path === '/' || path === '') return prefix || '/';
  return `${prefix.replace(/\/$/, '')}${path}`;
}

function walk(stack: RouterLayer[], prefix: string, into: string[]): void {
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on && method !== '_all') for (const path of paths) into.push(`${method.toUpperCase()} ${joinPath(prefix, path)}`);
      }
    } else if (Array.isArray(layer.handle.stack)) {
      const mount = Array.isArray(layer.rawPath) ? (layer.rawPath[0] ?? '') : (layer.rawPath ?? '');
      walk(layer.handle.stack, joinPath(prefix, mount === '/' ? '' : mount), into);
    }
  }
}

/** Every `METHOD /path` the live app routes (middleware without a route is not a route). */
export function listRoutes(app: Express): string[] {
  const router = (app as unknown as { router: { stack: RouterLayer[] } }).router;
  const routes: string[] = [];
  walk(router.stack, '', routes);
  return [...new Set(routes)];
}

import { z } from 'zod';

/**
 * Zod compiles object parsers with `new Function`, probing first whether eval
 * is allowed, as soon as the first object schema is built. The web app runs
 * under a Content-Security-Policy without 'unsafe-eval': there the probe is
 * refused and reported as a violation on every page load, which would bury a
 * real one. So in a browser schemas are parsed without compiling, decided
 * here, before any schema of this package exists (index.ts imports this
 * first). The server keeps the faster compiled parsers.
 */
if ('document' in globalThis) z.config({ jitless: true });

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { contentSecurityDirectives, inlineSourcesOf } from './page-policy.js';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('inlineSourcesOf', () => {
  it('hashes the inline scripts of every page and every static style attribute of pages and modules', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'care-build-'));
    fs.mkdirSync(path.join(dir, '_app/immutable/chunks'), { recursive: true });
    const boot = '\n  start();\n';
    fs.writeFileSync(
      path.join(dir, 'index.html'),
      `<html><head><script src="/_app/a.js"></script><link rel="modulepreload" href="/x.js"></head><body><div style="display: contents"><script>${boot}</script></div></body></html>`,
    );
    fs.writeFileSync(path.join(dir, '_app/immutable/chunks/c.js'), 'const t = `<div id="svelte-announcer" style="position: absolute; left: 0">`;');
    const sources = inlineSourcesOf(dir);
    expect(sources.scripts).toEqual([sha256(boot)]);
    expect(sources.styleAttributes.sort()).toEqual([sha256('display: contents'), sha256('position: absolute; left: 0')].sort());
  });

  it('gives a policy that forbids style attributes altogether when the build has none, and names the socket origins', () => {
    const directives = contentSecurityDirectives({ scripts: [], styleAttributes: [] }, () => ['http://localhost:3000', 'http://[::1]:3000']);
    expect(directives['style-src-attr']).toEqual(["'none'"]);
    // WebAssembly from our own files (the blur's model); never JavaScript eval.
    expect(directives['script-src']).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    const connect = directives['connect-src']!.map((v) => (typeof v === 'function' ? v() : v));
    // An IPv6 literal is no valid CSP source ('self' covers a page opened there).
    expect(connect).toEqual(["'self'", 'ws://localhost:3000']);
  });
});

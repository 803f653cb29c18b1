import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * What the built web app needs inline, as CSP hash sources. SvelteKit's
 * single-page build starts itself with one inline <script> in index.html, and
 * its route announcer carries a static style attribute; both are hashed from
 * the files this server will send, so the policy always matches the build and
 * nothing else inline runs or styles the page.
 */
export interface InlineSources {
  scripts: string[];
  styleAttributes: string[];
}

const inlineScript = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi;
const styleAttribute = /\bstyle="([^"]*)"/g;

function sha256Source(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

function filesUnder(dir: string, suffix: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(suffix))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** Reads every HTML page of the build and the app's modules (whose templates may carry static style attributes). */
export function inlineSourcesOf(webBuildDir: string): InlineSources {
  const scripts = new Set<string>();
  const styles = new Set<string>();
  const pages = filesUnder(webBuildDir, '.html');
  for (const file of pages) {
    const html = fs.readFileSync(file, 'utf8');
    for (const [, attributes = '', body = ''] of html.matchAll(inlineScript)) {
      if (!/\bsrc\s*=/i.test(attributes) && body.length > 0) scripts.add(sha256Source(body));
    }
  }
  for (const file of [...pages, ...filesUnder(path.join(webBuildDir, '_app'), '.js')]) {
    for (const [, value = ''] of fs.readFileSync(file, 'utf8').matchAll(styleAttribute)) styles.add(sha256Source(value));
  }
  return { scripts: [...scripts], styleAttributes: [...styles] };
}

/**
 * `ws:`/`wss:` twins of the allowed origins: the Socket.IO connection. CSP
 * source expressions cannot name an IPv6 literal ([::1]); a page there is
 * covered by 'self', which CSP 3 browsers extend to ws: and wss:.
 */
function webSocketOrigins(origins: readonly string[]): string[] {
  return origins.filter((origin) => !origin.includes('[')).map((origin) => origin.replace(/^http/, 'ws'));
}

/**
 * The Content-Security-Policy of every response (helmet's directive form).
 * Scripts: our own files and the hashed bootstrap, never inline or eval.
 * Styles: our own stylesheets; style attributes only the hashed ones the
 * build has (Svelte's dynamic styles go through the CSSOM, which CSP does
 * not govern). Images: ours and data: (the TOTP QR code). Workers: ours
 * (the frame encryption worker behind RTCRtpScriptTransform). WebAssembly:
 * compiled from our own files (the blur's segmentation model), nothing else.
 */
export function contentSecurityDirectives(inline: InlineSources, origins: () => readonly string[]): Record<string, Array<string | (() => string)>> {
  return {
    'default-src': ["'self'"],
    // 'wasm-unsafe-eval' compiles WebAssembly only (background blur's segmentation model, served from
    // our origin); JavaScript eval and new Function stay refused.
    'script-src': ["'self'", "'wasm-unsafe-eval'", ...inline.scripts],
    'style-src': ["'self'"],
    'style-src-attr': inline.styleAttributes.length > 0 ? ["'unsafe-hashes'", ...inline.styleAttributes] : ["'none'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'"],
    'media-src': ["'self'"],
    'connect-src': ["'self'", () => webSocketOrigins(origins()).join(' ')],
    'worker-src': ["'self'"],
    'manifest-src': ["'self'"],
    'frame-src': ["'none'"],
    'frame-ancestors': ["'none'"],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'self'"],
  };
}

/**
 * Powerful features: the session's camera, microphone and screen, and what
 * the app itself uses (media that starts on its own, the speaker choice, the
 * "copy link" buttons) for this origin only; everything else for nobody, so
 * an injected frame or script cannot ask for them either. Only features
 * Chromium knows are named (an unknown one is an error in its console).
 */
export const permissionsPolicy = [
  'camera=(self)',
  'microphone=(self)',
  'display-capture=(self)',
  'autoplay=(self)',
  'speaker-selection=(self)',
  'clipboard-write=(self)',
  ...[
    'accelerometer',
    'browsing-topics',
    'clipboard-read',
    'compute-pressure',
    'encrypted-media',
    'fullscreen',
    'gamepad',
    'geolocation',
    'gyroscope',
    'hid',
    'identity-credentials-get',
    'idle-detection',
    'local-fonts',
    'magnetometer',
    'midi',
    'otp-credentials',
    'payment',
    'picture-in-picture',
    'publickey-credentials-create',
    'publickey-credentials-get',
    'screen-wake-lock',
    'serial',
    'storage-access',
    'usb',
    'window-management',
    'xr-spatial-tracking',
  ].map((feature) => `${feature}=()`),
].join(', ');

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';

/*
 * Issue 16, background blur: the segmentation model, its wasm and loader come
 * from our own origin, copied into the build from the npm package. Served as
 * what they are (a browser sniffs nothing: nosniff), under the same policy as
 * every page, and nothing else answers under their name. The browser test
 * (tests/e2e/background-blur.test.ts) shows no request leaves for another host.
 */

const webBuild = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/build');
const modelDir = () => {
  const root = path.join(webBuild, '_app/segmentation');
  const [version] = fs.readdirSync(root);
  if (!version) throw new Error('no segmentation model in the web build');
  return { version, files: fs.readdirSync(path.join(root, version)) };
};

const expectedType: Record<string, RegExp> = {
  '.js': /^(text|application)\/javascript\b/,
  '.wasm': /^application\/wasm$/,
  '.tflite': /^application\/octet-stream$/,
  '.binarypb': /^application\/octet-stream$/,
};

describe('the segmentation model files', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({ WEB_BUILD_DIR: webBuild });
  });
  afterAll(() => t?.close());

  it('are in the build, named by the package version, and are the npm package’s files byte for byte', () => {
    const { version, files } = modelDir();
    const packageDir = path.resolve(webBuild, '../../node_modules/@mediapipe/selfie_segmentation');
    const pkg = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string };
    expect(version).toBe(pkg.version);
    expect(files.sort()).toEqual(
      [
        'selfie_segmentation.binarypb',
        'selfie_segmentation.js',
        'selfie_segmentation_landscape.tflite',
        'selfie_segmentation_solution_simd_wasm_bin.js',
        'selfie_segmentation_solution_simd_wasm_bin.wasm',
        'selfie_segmentation_solution_wasm_bin.js',
        'selfie_segmentation_solution_wasm_bin.wasm',
      ].sort(),
    );
    for (const file of files) {
      expect(fs.readFileSync(path.join(webBuild, '_app/segmentation', version, file)).equals(fs.readFileSync(path.join(packageDir, file))), file).toBe(true);
    }
  });

  it('are served with their own content type, nosniff and the page policy, which allows WebAssembly but no eval', async () => {
    const { version, files } = modelDir();
    for (const file of files) {
      const response = await fetch(`${t.url}/_app/segmentation/${version}/${file}`);
      expect(response.status, file).toBe(200);
      expect(response.headers.get('content-type'), file).toMatch(expectedType[path.extname(file)]!);
      expect(response.headers.get('x-content-type-options'), file).toBe('nosniff');
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, file).toMatch(/script-src 'self' 'wasm-unsafe-eval'/);
      expect(csp, file).not.toMatch(/'unsafe-eval'|'unsafe-inline'/);
      expect(response.headers.get('cross-origin-resource-policy'), file).toBe('same-origin');
      await response.arrayBuffer();
    }
  });

  it('have nothing else under their name: a missing or traversing path is a typed 404, never the app shell', async () => {
    const { version } = modelDir();
    for (const probe of [
      `/_app/segmentation/${version}/selfie_segmentation.tflite`,
      `/_app/segmentation/${version}/selfie_segmentation_solution_simd_wasm_bin.data`,
      `/_app/segmentation/0.0.0/selfie_segmentation.js`,
      `/_app/segmentation/${version}/..%2f..%2f..%2fpackage.json`,
      `/_app/segmentation/${version}/%2e%2e/%2e%2e/index.html`,
    ]) {
      const response = await fetch(`${t.url}${probe}`);
      expect([400, 403, 404], probe).toContain(response.status);
      expect(response.headers.get('content-type') ?? '', probe).toMatch(/^application\/json/);
      expect(await response.text(), probe).not.toContain('<html');
    }
  });
});

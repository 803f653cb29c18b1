import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Plugin } from 'vite';

/**
 * The person-segmentation model for background blur, served from our own
 * origin: `@mediapipe/selfie_segmentation` ships its loader, wasm and .tflite
 * model inside the npm package, and this copies the files the app loads into
 * the client build (dev: serves them from node_modules), under a path named by
 * the package's version. Nothing of it is fetched from anywhere else, and
 * nothing binary is committed. The app learns the path from
 * `virtual:segmentation-model`.
 */
const PACKAGE = '@mediapipe/selfie_segmentation';
const VIRTUAL_ID = 'virtual:segmentation-model';
const RESOLVED_VIRTUAL_ID = `\0${VIRTUAL_ID}`;

/**
 * What the loader asks for with the landscape model (the one for video calls):
 * the graph, the model, and the wasm build with SIMD or, where the browser has
 * none, without. The package's square model and empty `.data` file are never
 * requested, so not shipped.
 */
export const SEGMENTATION_FILES = [
  'selfie_segmentation.js',
  'selfie_segmentation.binarypb',
  'selfie_segmentation_landscape.tflite',
  'selfie_segmentation_solution_simd_wasm_bin.js',
  'selfie_segmentation_solution_simd_wasm_bin.wasm',
  'selfie_segmentation_solution_wasm_bin.js',
  'selfie_segmentation_solution_wasm_bin.wasm',
] as const;

function packageDir(): { dir: string; version: string } {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve(`${PACKAGE}/package.json`);
  const { version } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string };
  return { dir: path.dirname(manifest), version };
}

export function segmentationModel(): Plugin {
  const { dir, version } = packageDir();
  // Under _app: a file missing there is a 404 from the server, never the app shell under a model's name.
  const base = `_app/segmentation/${version}/`;
  return {
    name: 'care-segmentation-model',
    resolveId(id) {
      return id === VIRTUAL_ID ? RESOLVED_VIRTUAL_ID : undefined;
    },
    load(id) {
      return id === RESOLVED_VIRTUAL_ID ? `export const segmentationBase = ${JSON.stringify(`/${base}`)};` : undefined;
    },
    configureServer(server) {
      server.middlewares.use(`/${base}`, (req, res, next) => {
        const name = (req.url ?? '').replace(/^\//, '').split('?')[0] ?? '';
        if (!SEGMENTATION_FILES.includes(name as (typeof SEGMENTATION_FILES)[number])) return next();
        res.setHeader('Content-Type', name.endsWith('.wasm') ? 'application/wasm' : name.endsWith('.js') ? 'text/javascript' : 'application/octet-stream');
        fs.createReadStream(path.join(dir, name)).pipe(res);
      });
    },
    generateBundle() {
      if (this.environment.name !== 'client') return;
      for (const name of SEGMENTATION_FILES) {
        this.emitFile({ type: 'asset', fileName: `${base}${name}`, source: fs.readFileSync(path.join(dir, name)) });
      }
    },
  };
}

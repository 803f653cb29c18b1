import adapter from '@sveltejs/adapter-static';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';
import { segmentationModel } from './segmentation-model.vite.js';

// In `vite dev`, API and Socket.IO calls go to a running server (npm start prints its URL).
const apiTarget = process.env.CARE_API_URL ?? 'http://localhost:3000';

export default defineConfig({
  plugins: [
    // Background blur's model, loader and wasm, from the npm package to our own origin.
    segmentationModel(),
    sveltekit({
      // A single-page app served by the CARE ASN server: one origin, so the
      // session cookie can stay SameSite=Strict and Socket.IO needs no CORS.
      adapter: adapter({ pages: 'build', assets: 'build', fallback: 'index.html', strict: true }),
      // Root-relative asset paths: the service worker shows the offline page in place of any page, at any depth.
      paths: { relative: false },
    }),
  ],
  server: {
    // The server accepts only its own origin (PUBLIC_URL, or its loopback
    // address): the dev server's pages speak to it as that origin.
    proxy: {
      '/api': { target: apiTarget, headers: { origin: new URL(apiTarget).origin } },
      '/socket.io': { target: apiTarget, ws: true, headers: { origin: new URL(apiTarget).origin } },
    },
  },
});

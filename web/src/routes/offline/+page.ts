// The page a phone shows when the app cannot reach the server: rendered once at
// build time, without any script, kept by the service worker; the server puts
// the deployment's crisis lines into it when it starts (server/src/http/offline-page.ts).
export const prerender = true;
export const ssr = true;
export const csr = false;

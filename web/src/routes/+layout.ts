// The app runs in the browser only: it talks to the CARE ASN server over
// REST and Socket.IO, and media never touches a server-side renderer.
export const ssr = false;
export const prerender = false;

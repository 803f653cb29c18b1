/* Keeps the static library that mediasoup link_whole()s non-empty; the real
 * library comes in through the dependency. */
int care_openssl_shim_placeholder(void) { return 0; }

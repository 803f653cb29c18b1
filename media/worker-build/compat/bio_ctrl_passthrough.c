/*
 * Debian's OpenSSL is built with kernel TLS. mediasoup's DTLS BIO callback
 * answers 1 to every control call, so libssl concludes that mediasoup's memory
 * BIO offloads TLS to the kernel, never allocates its record write buffer, and
 * the worker crashes writing the first DTLS record (ServerHello): the worker
 * starts, but no media ever flows. The worker is linked with
 * -Wl,--wrap=BIO_set_callback_ex so that mediasoup's callback is installed
 * behind this trampoline, which hands back the BIO's real result for control
 * calls and mediasoup's result for everything else.
 */
#include <openssl/bio.h>

void __real_BIO_set_callback_ex(BIO* bio, BIO_callback_fn_ex callback);

/* mediasoup installs a single callback function (for every DTLS transport). */
static BIO_callback_fn_ex care_mediasoup_callback = NULL;

static long care_bio_callback(
  BIO* bio, int oper, const char* argp, size_t len, int argi, long argl, int ret, size_t* processed)
{
	const long mediasoupResult = care_mediasoup_callback(bio, oper, argp, len, argi, argl, ret, processed);

	if (oper == (BIO_CB_CTRL | BIO_CB_RETURN))
		return ret;

	return mediasoupResult;
}

void __wrap_BIO_set_callback_ex(BIO* bio, BIO_callback_fn_ex callback)
{
	if (callback == NULL)
	{
		__real_BIO_set_callback_ex(bio, NULL);
		return;
	}

	care_mediasoup_callback = callback;
	__real_BIO_set_callback_ex(bio, care_bio_callback);
}

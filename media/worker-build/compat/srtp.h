/*
 * libsrtp 3.x API on top of Debian's libsrtp 2.5.
 *
 * mediasoup 3.19 is written against its libsrtp 3.0.0-beta fork (out-of-place
 * protect/unprotect with size_t lengths, srtp_stream_remove). Debian packages
 * libsrtp 2.5 (in-place, int lengths, srtp_remove_stream). These inline C++
 * overloads adapt the calls without touching mediasoup's sources; every length
 * is bounds-checked before it is narrowed to int.
 */
#ifndef CARE_ASN_SRTP_COMPAT_H
#define CARE_ASN_SRTP_COMPAT_H

#include <srtp2/srtp.h>

#ifdef __cplusplus
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace care_srtp
{
	using InPlaceFn = srtp_err_status_t (*)(srtp_t, void*, int*);

	inline srtp_err_status_t RunInPlace(InPlaceFn fn, srtp_t ctx, uint8_t* buf, size_t* len)
	{
		if (*len > static_cast<size_t>(INT_MAX))
			return srtp_err_status_bad_param;

		int n = static_cast<int>(*len);
		const srtp_err_status_t status = fn(ctx, buf, &n);

		if (status == srtp_err_status_ok)
			*len = static_cast<size_t>(n);

		return status;
	}

	// libsrtp 3 passes the output capacity in *outLen; 2.5 writes in place, so the
	// input is copied into the output buffer first when the caller's headroom allows.
	inline srtp_err_status_t RunOutOfPlace(
	  InPlaceFn fn, srtp_t ctx, const uint8_t* in, size_t inLen, uint8_t* out, size_t* outLen, size_t growth)
	{
		if (*outLen < inLen + growth)
			return srtp_err_status_fail;

		if (out != in)
			std::memmove(out, in, inLen);

		size_t n = inLen;
		const srtp_err_status_t status = RunInPlace(fn, ctx, out, &n);

		if (status == srtp_err_status_ok)
			*outLen = n;

		return status;
	}
} // namespace care_srtp

inline srtp_err_status_t srtp_protect(
  srtp_t ctx, const uint8_t* rtp, size_t rtpLen, uint8_t* srtp, size_t* srtpLen, size_t mkiIndex)
{
	if (mkiIndex != 0)
		return srtp_err_status_bad_param;

	return care_srtp::RunOutOfPlace(::srtp_protect, ctx, rtp, rtpLen, srtp, srtpLen, SRTP_MAX_TRAILER_LEN);
}

inline srtp_err_status_t srtp_unprotect(
  srtp_t ctx, const uint8_t* srtp, size_t srtpLen, uint8_t* rtp, size_t* rtpLen)
{
	return care_srtp::RunOutOfPlace(::srtp_unprotect, ctx, srtp, srtpLen, rtp, rtpLen, 0);
}

inline srtp_err_status_t srtp_protect_rtcp(
  srtp_t ctx, const uint8_t* rtcp, size_t rtcpLen, uint8_t* srtcp, size_t* srtcpLen, size_t mkiIndex)
{
	if (mkiIndex != 0)
		return srtp_err_status_bad_param;

	// SRTCP adds the 4-byte E-flag/index word on top of the auth tag.
	return care_srtp::RunOutOfPlace(
	  ::srtp_protect_rtcp, ctx, rtcp, rtcpLen, srtcp, srtcpLen, SRTP_MAX_TRAILER_LEN + 4);
}

inline srtp_err_status_t srtp_unprotect_rtcp(
  srtp_t ctx, const uint8_t* srtcp, size_t srtcpLen, uint8_t* rtcp, size_t* rtcpLen)
{
	return care_srtp::RunOutOfPlace(::srtp_unprotect_rtcp, ctx, srtcp, srtcpLen, rtcp, rtcpLen, 0);
}

inline srtp_err_status_t srtp_stream_remove(srtp_t session, uint32_t ssrc)
{
	return ::srtp_remove_stream(session, ssrc);
}

// Status codes that exist only in libsrtp 3; 2.5 never returns them.
constexpr srtp_err_status_t srtp_err_status_buffer_small = static_cast<srtp_err_status_t>(28);
constexpr srtp_err_status_t srtp_err_status_cryptex_err  = static_cast<srtp_err_status_t>(29);

#endif /* __cplusplus */
#endif /* CARE_ASN_SRTP_COMPAT_H */

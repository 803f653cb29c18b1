/**
 * A safety code people can read to each other to check that they are in the
 * same MLS group state.
 *
 * Construction (version 1):
 *   digest = SHA-256(epoch_authenticator)                  32 bytes
 *   for i in 0..5:
 *     chunk_i = digest[5i .. 5i+5]                         5 bytes, big-endian integer < 2^40
 *     group_i = chunk_i mod 100000, zero-padded to 5 decimal digits
 *   code = group_0 " " group_1 " " ... " " group_5         e.g. "04817 93310 ..."
 *
 * Why this is enough: the epoch authenticator (RFC 9420 §8.7) is derived from
 * the epoch secret, which depends on the group context, i.e. on the tree hash
 * (every member's credential and keys) and the transcript of commits. Members
 * who compute the same code share that state; a server that slipped in a member
 * or swapped someone's keys would produce different codes on the two sides.
 *
 * 30 digits carry about 99.7 bits; reducing 40-bit chunks modulo 10^5 biases a
 * digit group by less than 10^-7, which does not matter for comparison. The
 * code changes with every epoch, so people compare it once everyone they
 * expect has joined.
 */

const GROUPS = 6;
const BYTES_PER_GROUP = 5;
const DIGITS_PER_GROUP = 5;
const GROUP_MODULUS = 10n ** BigInt(DIGITS_PER_GROUP);

export async function safetyCodeFromEpochAuthenticator(epochAuthenticator: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', epochAuthenticator.slice()));
  const groups: string[] = [];
  for (let group = 0; group < GROUPS; group += 1) {
    let chunk = 0n;
    for (const byte of digest.subarray(group * BYTES_PER_GROUP, (group + 1) * BYTES_PER_GROUP)) {
      chunk = (chunk << 8n) | BigInt(byte);
    }
    groups.push((chunk % GROUP_MODULUS).toString().padStart(DIGITS_PER_GROUP, '0'));
  }
  return groups.join(' ');
}

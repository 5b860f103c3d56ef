import type { SocketRecord } from '../model/socket-record.js';
import { nativeAddon, type NativeAddon } from '../native/native-addon.js';
import { canonicalFields, canonicalSocket, versionDigest } from './canonical-socket.js';

/** versionDigest's length: 16 base64url characters. */
const DIGEST_LENGTH = 16;

/**
 * Sockets per call of the addon: each call's text is hashed on a pool thread while the
 * next one is being written here, so that only the last one is waited for.
 */
const SOCKETS_PER_CALL = 2000;

/**
 * versionDigest(canonicalSocket(socket)) of every socket, in order; owners must already be
 * sorted (sortOwners). With the native addon, each run of sockets' canonical strings is
 * written by one JSON.stringify (each element of that array is exactly one socket's
 * canonical string), and the addon splits and hashes the text on a pool thread
 * (native/digest.c), while this thread writes the next run and then reads the database:
 * at 10,000 sockets, about 15 ms of this thread instead of 25 ms. Without the addon the
 * same digests are computed here.
 */
export async function versionDigests(sockets: readonly SocketRecord[], native: Pick<NativeAddon, 'digestJsonElements'> | null = nativeAddon): Promise<string[]> {
  if (native === null) return sockets.map((socket) => versionDigest(canonicalSocket(socket)));
  const calls: Promise<string>[] = [];
  for (let start = 0; start < sockets.length; start += SOCKETS_PER_CALL) {
    calls.push(native.digestJsonElements(JSON.stringify(sockets.slice(start, start + SOCKETS_PER_CALL).map(canonicalFields))));
  }
  const digests: string[] = [];
  for (const [index, joined] of (await Promise.all(calls)).entries()) {
    const count = Math.min(SOCKETS_PER_CALL, sockets.length - index * SOCKETS_PER_CALL);
    if (joined.length !== count * DIGEST_LENGTH) throw new Error(`version digests: ${joined.length / DIGEST_LENGTH} for ${count} sockets`);
    for (let i = 0; i < count; i++) digests.push(joined.slice(i * DIGEST_LENGTH, (i + 1) * DIGEST_LENGTH));
  }
  return digests;
}

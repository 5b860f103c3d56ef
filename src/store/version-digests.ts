import type { SocketRecord } from '../inventory/socket-record.js';
import { nativeAddon, type NativeAddon } from '../proc/native-addon.js';
import { canonicalFields, canonicalSocket, versionDigest } from './canonical-socket.js';

/** versionDigest's length: 16 base64url characters. */
const DIGEST_LENGTH = 16;

/**
 * versionDigest(canonicalSocket(socket)) of every socket, in order; owners must already be
 * sorted (sortOwners). With the native addon, every canonical string is written by one
 * JSON.stringify of them all (each element of that array is exactly one socket's
 * canonical string), and the addon splits and hashes it on a pool thread, so the caller
 * can read the database meanwhile (native/digest.c): at 10,000 sockets, about 10 ms of
 * this thread instead of 25 ms. Without the addon, the same digests are computed here.
 */
export async function versionDigests(sockets: readonly SocketRecord[], native: Pick<NativeAddon, 'digestJsonElements'> | null = nativeAddon): Promise<string[]> {
  if (native === null) return sockets.map((socket) => versionDigest(canonicalSocket(socket)));
  const joined = await native.digestJsonElements(JSON.stringify(sockets.map(canonicalFields)));
  if (joined.length !== sockets.length * DIGEST_LENGTH) throw new Error(`version digests: ${joined.length / DIGEST_LENGTH} for ${sockets.length} sockets`);
  const digests = new Array<string>(sockets.length);
  for (let i = 0; i < sockets.length; i++) digests[i] = joined.slice(i * DIGEST_LENGTH, (i + 1) * DIGEST_LENGTH);
  return digests;
}

import os from 'node:os';

const HOST_LITTLE_ENDIAN = os.endianness() === 'LE';

/**
 * The socket cookie of the inet_diag_msg at `offset` (idiag_cookie, bytes 44-51: two
 * host-order u32, low half first; see parse-inet-diag.ts for the rest of the layout). The
 * kernel gives every socket a cookie from one 64-bit counter, unique while it runs and
 * kept to the end: a destroy event (whose inode is already 0) carries the cookie a dump
 * of the live socket gave. Below 2^53 as long as fewer than 9e15 sockets were made since boot.
 *
 * @example inetDiagCookie(bytes, 0) -> 4372 for idiag_cookie = { 0x1114, 0 }
 */
export function inetDiagCookie(bytes: Uint8Array, offset: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset + 44, 8);
  return view.getUint32(0, HOST_LITTLE_ENDIAN) + view.getUint32(4, HOST_LITTLE_ENDIAN) * 4294967296;
}

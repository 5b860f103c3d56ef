import os from 'node:os';

/**
 * Decoding of the hex addresses in /proc/net/{tcp,udp,raw,icmp,...}[6].
 *
 * The kernel prints each 32-bit word of an address in host byte order, so on a
 * little-endian machine (x86, arm64) the bytes of every word come out reversed:
 *
 *   "0100007F"                         -> 127.0.0.1
 *   "0500000A"                         -> 10.0.0.5
 *   "00000000000000000000000001000000" -> ::1
 *   "0000000000000000FFFF00000100007F" -> ::ffff:127.0.0.1   (IPv4-mapped)
 *   "000080FE00000000FF005702B0A3E5FE" -> fe80::257:ff:fee5:a3b0
 *
 * IPv6 results are in RFC 5952 form: lower case, leading zeros dropped, the longest run
 * (first on a tie) of two or more zero groups written `::`, IPv4-mapped as `::ffff:a.b.c.d`.
 */

/** Whether /proc words come out byte-reversed; a property of the machine, fixed at load. */
const HOST_LITTLE_ENDIAN = os.endianness() === 'LE';

/** Value of one hex digit (char code), or -1. */
function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  if (code >= 65 && code <= 70) return code - 55; // A-F
  if (code >= 97 && code <= 102) return code - 87; // a-f
  return -1;
}

/** Parses `text[start, end)` as unsigned hex; -1 if empty or not hex. */
export function parseHexRange(text: string, start: number, end: number): number {
  if (end <= start) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = hexDigit(text.charCodeAt(i));
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/** Parses `text[start, end)` as an unsigned decimal; -1 if empty or not decimal. */
export function parseDecimalRange(text: string, start: number, end: number): number {
  if (end <= start) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return -1;
    value = value * 10 + (code - 48);
  }
  return value;
}

/** Reads the 4 bytes of one /proc address word into `bytes` at `offset`; false if not hex. */
function readWord(text: string, start: number, bytes: number[], offset: number): boolean {
  for (let i = 0; i < 4; i++) {
    const high = hexDigit(text.charCodeAt(start + 2 * i));
    const low = hexDigit(text.charCodeAt(start + 2 * i + 1));
    if (high < 0 || low < 0) return false;
    // printed bytes are most significant first; a little-endian word stores them reversed
    bytes[offset + (HOST_LITTLE_ENDIAN ? 3 - i : i)] = high * 16 + low;
  }
  return true;
}

/** "0100007F" (at `start`) -> "127.0.0.1"; null if not 8 hex digits. */
export function decodeIpv4Hex(text: string, start = 0): string | null {
  const bytes = [0, 0, 0, 0];
  if (!readWord(text, start, bytes, 0)) return null;
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}

/** 32 hex digits (at `start`) -> RFC 5952 text; null if not hex. */
export function decodeIpv6Hex(text: string, start = 0): string | null {
  const bytes: number[] = new Array(16).fill(0);
  for (let word = 0; word < 4; word++) {
    if (!readWord(text, start + 8 * word, bytes, 4 * word)) return null;
  }
  return formatIpv6Bytes(bytes);
}

/** 16 bytes -> RFC 5952 text, IPv4-mapped addresses as `::ffff:a.b.c.d`. */
export function formatIpv6Bytes(bytes: readonly number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] ?? 0) * 256 + (bytes[i + 1] ?? 0));
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  // longest run of zero groups, at least two long; the first one wins a tie
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) => groups.slice(from, to).map((group) => group.toString(16)).join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

/**
 * Parses textual IPv6 (full or compressed, optionally with a dotted IPv4 tail) into 16
 * bytes; null if malformed. Used for files that print addresses as text (net/sctp/*).
 *   "fe80:0000:0000:0000:0257:00ff:fee5:a3b0" -> [0xfe,0x80,0,...,0xa3,0xb0]
 */
export function parseIpv6Text(text: string): number[] | null {
  let head = text;
  let tailBytes: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) >= 0) {
    const v4 = parseIpv4Text(text.slice(lastColon + 1));
    if (v4 === null) return null;
    tailBytes = v4;
    head = text.slice(0, lastColon + 1) + '0:0'; // placeholder groups, replaced below
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const toGroups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = toGroups(halves[0] ?? '');
  const right = halves.length === 2 ? toGroups(halves[1] ?? '') : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...left, ...new Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  const bytes: number[] = [];
  for (const group of groups) {
    const value = group.length >= 1 && group.length <= 4 ? parseHexRange(group, 0, group.length) : -1;
    if (value < 0) return null;
    bytes.push(value >> 8, value & 0xff);
  }
  if (tailBytes.length === 4) bytes.splice(12, 4, ...tailBytes);
  return bytes;
}

/** "10.0.0.5" -> [10, 0, 0, 5]; null if malformed. */
export function parseIpv4Text(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const bytes = parts.map((part) => (part.length >= 1 && part.length <= 3 ? parseDecimalRange(part, 0, part.length) : -1));
  return bytes.every((byte) => byte >= 0 && byte <= 255) ? bytes : null;
}

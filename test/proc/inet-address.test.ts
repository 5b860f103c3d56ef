import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { decodeIpv4Hex, decodeIpv6Hex, formatIpv6Bytes, parseIpv6Text } from '../../src/proc/inet-address.js';

// the kernel prints address words in host byte order; these cases are little-endian captures
describe.skipIf(os.endianness() !== 'LE')('decoding /proc hex addresses (little-endian host)', () => {
  it.each([
    ['0100007F', '127.0.0.1'],
    ['0500000A', '10.0.0.5'],
    ['00000000', '0.0.0.0'],
    ['FEA9FEA9', '169.254.169.254'],
  ])('IPv4 %s -> %s', (hex, expected) => {
    expect(decodeIpv4Hex(hex)).toBe(expected);
  });

  it.each([
    ['00000000000000000000000000000000', '::'],
    ['00000000000000000000000001000000', '::1'],
    ['0000000000000000FFFF00000100007F', '::ffff:127.0.0.1'],
    ['000080FE00000000FF005702B0A3E5FE', 'fe80::257:ff:fee5:a3b0'],
    ['B80D0120000000000000000001000000', '2001:db8::1'],
    ['B80D0120010000000000000001000000', '2001:db8:0:1::1'],
  ])('IPv6 %s -> %s', (hex, expected) => {
    expect(decodeIpv6Hex(hex)).toBe(expected);
  });

  it('rejects non-hex input', () => {
    expect(decodeIpv4Hex('0100007G')).toBeNull();
    expect(decodeIpv6Hex('0000000000000000000000000100000Z')).toBeNull();
    expect(decodeIpv4Hex('0100')).toBeNull();
  });
});

describe('RFC 5952 formatting', () => {
  it.each([
    [[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1], '2001:db8::1:0:0:1'], // first longest run wins
    [[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1], '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed
    [[0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], '1::'],
  ])('%j -> %s', (bytes, expected) => {
    expect(formatIpv6Bytes(bytes)).toBe(expected);
  });

  it.each([
    ['fe80:0000:0000:0000:0257:00ff:fee5:a3b0', 'fe80::257:ff:fee5:a3b0'],
    ['::1', '::1'],
    ['::ffff:10.1.2.3', '::ffff:10.1.2.3'],
    ['2001:DB8::', '2001:db8::'],
  ])('text %s normalises to %s', (text, expected) => {
    const bytes = parseIpv6Text(text);
    expect(bytes).not.toBeNull();
    expect(formatIpv6Bytes(bytes!)).toBe(expected);
  });

  it.each(['1::2::3', '12345::', 'fe80:0:0:0:0:0:0:0:1', 'g::1', '::ffff:300.1.1.1'])('rejects %s', (text) => {
    expect(parseIpv6Text(text)).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { exposureOf } from '../../src/inventory/exposure.js';

describe('exposureOf', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['169.254.1.2', 'link-local'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'specific'],
    ['0.0.0.0', 'wildcard'],
    ['::', 'wildcard'],
    ['::ffff:0.0.0.0', 'wildcard'],
    ['10.0.0.5', 'specific'],
    ['2001:db8::1', 'specific'],
  ])('%s is %s', (address, exposure) => {
    expect(exposureOf('tcp', address)).toBe(exposure);
  });

  it('is null for unix sockets and unbound sockets', () => {
    expect(exposureOf('unix', null)).toBeNull();
    expect(exposureOf('packet', null)).toBeNull();
    expect(exposureOf('udp', null)).toBeNull();
  });
});

import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nativeAddon } from '../../src/native/native-addon.js';
import { SET_HASH_BYTES, SetHash } from '../../src/store/set-hash.js';

/** LtHash16 written out one lane at a time, as the definition reads: the reference for SetHash's two-lanes-per-word loop. */
function referenceState(added: string[], removed: string[]): Buffer {
  const lanes = new Array<number>(1024).fill(0);
  const apply = (element: string, sign: number) => {
    const bytes = createHash('shake256', { outputLength: 2048 }).update('sockaudit-lthash16-element-v1\0' + element).digest();
    for (let i = 0; i < 1024; i++) lanes[i] = (lanes[i]! + sign * bytes.readUInt16LE(2 * i) + 0x10000) % 0x10000;
  };
  for (const element of added) apply(element, 1);
  for (const element of removed) apply(element, -1);
  const state = Buffer.alloc(2048);
  lanes.forEach((lane, i) => state.writeUInt16LE(lane, 2 * i));
  return state;
}

const digest = fc.string({ minLength: 16, maxLength: 16 });

describe('SetHash (LtHash16, 1024 lanes)', () => {
  it('equals the lane-by-lane definition for any additions and removals', () => {
    fc.assert(
      fc.property(fc.array(digest, { maxLength: 12 }), fc.array(digest, { maxLength: 6 }), (added, removed) => {
        const set = new SetHash();
        for (const element of added) set.add(element);
        for (const element of removed) set.remove(element);
        expect(set.state().equals(referenceState(added, removed))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('gives the same state through update() with and without the addon, as one element at a time', () => {
    const anyElement = fc.oneof(digest, fc.constantFrom('', 'a\nb'));
    fc.assert(
      fc.property(fc.array(anyElement, { maxLength: 12 }), fc.array(anyElement, { maxLength: 6 }), (added, removed) => {
        const withoutAddon = new SetHash();
        withoutAddon.update(added, removed, null);
        expect(withoutAddon.state().equals(referenceState(added, removed))).toBe(true);
        const start = SetHash.of(['a', 'b'], null);
        const withAddon = start.copy();
        withAddon.update(added, removed);
        for (const element of added) start.add(element);
        for (const element of removed) start.remove(element);
        expect(withAddon.state().equals(start.state())).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  describe.skipIf(nativeAddon === null)('the native twin (native/set-hash.c) (skipped unless the addon is built: npm run build:native)', () => {
    it('updates a state exactly as the JavaScript lanes do, for any elements but newlines, UTF-8 included', () => {
      // what update() passes it: no '' and no '\n', which the joined text could not carry
      const element = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).filter((text) => !text.includes('\n'));
      fc.assert(
        fc.property(fc.array(element, { maxLength: 10 }), fc.array(element, { maxLength: 10 }), (added, removed) => {
          const state = new Uint8Array(SET_HASH_BYTES);
          nativeAddon!.ltHashUpdate(state, added.join('\n'), removed.join('\n'));
          expect(Buffer.from(state).equals(referenceState(added, removed))).toBe(true);
        }),
        { numRuns: 100 },
      );
    });

    it('refuses a state of the wrong size', () => {
      expect(() => nativeAddon!.ltHashUpdate(new Uint8Array(10), 'a', '')).toThrow(/2048-byte/);
    });
  });

  it('depends on the multiset only: order, and adding then removing, change nothing', () => {
    fc.assert(
      fc.property(fc.array(digest, { maxLength: 10 }), digest, (elements, transient) => {
        const forward = SetHash.of(elements);
        const backward = new SetHash();
        backward.add(transient);
        for (const element of [...elements].reverse()) backward.add(element);
        backward.remove(transient);
        expect(backward.digest()).toBe(forward.digest());
      }),
      { numRuns: 60 },
    );
  });

  it('counts repeats (a multiset) and tells sets apart', () => {
    const once = SetHash.of(['AAAAAAAAAAAAAAAA']).digest();
    const twice = SetHash.of(['AAAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAAA']).digest();
    expect(twice).not.toBe(once);
    expect(SetHash.of(['AAAAAAAAAAAAAAAB']).digest()).not.toBe(once);
    expect(new SetHash().state().equals(Buffer.alloc(SET_HASH_BYTES))).toBe(true);
  });

  it('round-trips through its stored state, and refuses a state of the wrong size', () => {
    const set = SetHash.of(['x', 'y', 'z']);
    const copy = new SetHash(set.state());
    copy.remove('y');
    expect(copy.digest()).toBe(SetHash.of(['x', 'z']).digest());
    expect(set.copy().digest()).toBe(set.digest());
    expect(() => new SetHash(new Uint8Array(100))).toThrow(/2048 bytes/);
  });
});

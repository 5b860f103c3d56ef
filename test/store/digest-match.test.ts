import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nativeAddon } from '../../src/native/native-addon.js';
import { matchDigests, sortedDigestLines, type DigestMatch } from '../../src/store/digest-match.js';

/** A 16-character digest from a small alphabet, so that equal digests (and near ones) are common. */
const digestArb = fc.stringMatching(/^[A-Za-z0-9_-]{2}$/).map((head) => `${head}AAAAAAAAAAAAAA`);

/** What a correct pairing must satisfy, checked directly: equal digests pair one to one. */
function expectValidPairing(current: string[], open: string[], match: DigestMatch): void {
  const count = (list: string[]) => list.reduce((map, digest) => map.set(digest, (map.get(digest) ?? 0) + 1), new Map<string, number>());
  const have = count(current);
  const had = count(open);
  const expectedUnmatched = [...have].reduce((sum, [digest, n]) => sum + Math.max(0, n - (had.get(digest) ?? 0)), 0);
  const expectedVanished = [...had].reduce((sum, [digest, n]) => sum + Math.max(0, n - (have.get(digest) ?? 0)), 0);
  expect(match.unmatched).toHaveLength(expectedUnmatched);
  expect(match.vanished).toHaveLength(expectedVanished);
  expect(match.unmatched).toEqual([...match.unmatched].sort((a, b) => a - b));
  expect(match.vanished).toEqual([...match.vanished].sort((a, b) => a - b));
  // what is left over on one side never occurs, unpaired, on the other
  const leftCurrent = count(match.unmatched.map((i) => current[i]!));
  for (const [digest, n] of leftCurrent) expect(n).toBe(have.get(digest)! - (had.get(digest) ?? 0));
  expect(match.sortedLines).toBe(sortedDigestLines(current));
}

describe('matchDigests', () => {
  it('pairs equal digests one to one, without the addon', () => {
    fc.assert(fc.property(fc.array(digestArb, { maxLength: 40 }), fc.array(digestArb, { maxLength: 40 }), (current, open) => expectValidPairing(current, open, matchDigests(current, open, null))));
  });

  it.skipIf(nativeAddon === null)('pairs equal digests one to one in the addon, leaving over as many on each side as without it', () => {
    fc.assert(
      fc.property(fc.array(digestArb, { maxLength: 40 }), fc.array(digestArb, { maxLength: 40 }), (current, open) => {
        const native = matchDigests(current, open);
        expectValidPairing(current, open, native);
        const here = matchDigests(current, open, null);
        expect(native.unmatched.map((i) => current[i]).sort()).toEqual(here.unmatched.map((i) => current[i]).sort());
        expect(native.vanished.map((i) => open[i]).sort()).toEqual(here.vanished.map((i) => open[i]).sort());
      }),
    );
  });

  it('gives the worked example', () => {
    const d = (head: string) => head.padEnd(16, 'x');
    const match = matchDigests([d('b'), d('a'), d('c'), d('a'), d('z')], [d('a'), d('c'), d('c'), d('y'), d('a'), d('a')], null);
    expect(match.unmatched).toEqual([0, 4]); // b and z are new
    expect(match.vanished).toHaveLength(3); // one a, one c and y are gone
    expect(match.sortedLines.split('\n')).toEqual([d('a'), d('a'), d('b'), d('c'), d('z')]);
  });

  it.skipIf(nativeAddon === null)('the addon refuses text that is not 16-character digests', () => {
    expect(() => nativeAddon!.matchDigests('abc', '')).toThrow(/16-character digests/);
  });
});

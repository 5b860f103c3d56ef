import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareNaturalParts, naturalParts } from '../../src/diff/natural-compare.js';

const sortNatural = (texts: string[]) => texts.map((text) => ({ text, parts: naturalParts(text) })).sort((a, b) => compareNaturalParts(a.parts, b.parts)).map(({ text }) => text);

describe('natural order', () => {
  it('sorts ports and address octets as numbers', () => {
    expect(sortNatural(['tcp 127.0.0.1:11211 host', 'tcp 127.0.0.1:6379 host', 'tcp 10.0.0.5:22 host', 'tcp 9.9.9.9:1 host'])).toEqual([
      'tcp 9.9.9.9:1 host',
      'tcp 10.0.0.5:22 host',
      'tcp 127.0.0.1:6379 host',
      'tcp 127.0.0.1:11211 host',
    ]);
  });

  it('is antisymmetric and transitive (a valid sort order)', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '1', '2', '0', ':', '.') });
    fc.assert(
      fc.property(text, text, text, (a, b, c) => {
        const [pa, pb, pc] = [a, b, c].map(naturalParts) as [ReturnType<typeof naturalParts>, ReturnType<typeof naturalParts>, ReturnType<typeof naturalParts>];
        expect(Math.sign(compareNaturalParts(pa, pb)) + Math.sign(compareNaturalParts(pb, pa))).toBe(0);
        if (compareNaturalParts(pa, pb) <= 0 && compareNaturalParts(pb, pc) <= 0) expect(compareNaturalParts(pa, pc)).toBeLessThanOrEqual(0);
      }),
    );
  });
});

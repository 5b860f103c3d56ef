import { applyPatch, createTwoFilesPatch, formatPatch } from 'diff';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortedLinesPatch } from '../../src/diff/sorted-lines-patch.js';

const text = (lines: readonly string[]): string => (lines.length === 0 ? '' : `${lines.join('\n')}\n`);
const sortedLines = fc.uniqueArray(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'.split('').map((c) => `line ${c}`)), { maxLength: 20 }).map((lines) => lines.sort());

describe('sortedLinesPatch', () => {
  it('makes patches that turn the old text into the new one', () => {
    fc.assert(
      fc.property(sortedLines, sortedLines, fc.integer({ min: 0, max: 4 }), (oldLines, newLines, context) => {
        const patch = sortedLinesPatch('a', 'b', oldLines, newLines, '', '', context);
        expect(applyPatch(text(oldLines), formatPatch(patch))).toBe(text(newLines));
      }),
    );
  });

  it('prints what createTwoFilesPatch prints when changes are only additions or only removals', () => {
    fc.assert(
      fc.property(sortedLines, fc.array(fc.boolean(), { minLength: 26, maxLength: 26 }), fc.boolean(), (lines, keep, removing) => {
        const subset = lines.filter((_, index) => keep[index]);
        const [oldLines, newLines] = removing ? [lines, subset] : [subset, lines];
        const ours = oldLines.join() === newLines.join() ? null : formatPatch(sortedLinesPatch('a', 'b', oldLines, newLines, 'x', 'y', 3));
        const theirs = createTwoFilesPatch('a', 'b', text(oldLines), text(newLines), 'x', 'y', { context: 3 });
        if (ours !== null) expect(ours).toBe(theirs);
      }),
    );
  });

  it('numbers hunks like a unified diff', () => {
    const patch = sortedLinesPatch('a', 'b', ['k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's'], ['k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't'], '', '', 3);
    expect(patch.hunks).toEqual([{ oldStart: 7, oldLines: 3, newStart: 7, newLines: 4, lines: [' q', ' r', ' s', '+t'] }]);
  });

  it('has no hunks for equal inputs', () => {
    expect(sortedLinesPatch('a', 'b', ['x'], ['x'], '', '', 3).hunks).toEqual([]);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InodeIndex } from '../../src/inventory/inode-index.js';

/** Every position of `inode` as the index reports it: [] for none. */
function positionsOf(index: InodeIndex, inode: number): readonly number[] {
  const found = index.lookup(inode);
  if (found === -1) return [];
  return found >= 0 ? [found] : index.group(found);
}

describe('InodeIndex', () => {
  it('finds each record by its inode and nothing else', () => {
    const index = new InodeIndex([20571, 20572, 31000]);
    expect(index.lookup(20571)).toBe(0);
    expect(index.lookup(20572)).toBe(1);
    expect(index.lookup(31000)).toBe(2);
    expect(index.lookup(20573)).toBe(-1);
  });

  it('finds nothing in an empty index', () => {
    expect(new InodeIndex([]).lookup(1)).toBe(-1);
  });

  it('never indexes inode 0 (a socket without a file has no owners)', () => {
    const index = new InodeIndex([0, 7, 0]);
    expect(index.lookup(0)).toBe(-1);
    expect(index.lookup(7)).toBe(1);
  });

  it('keeps every position of an inode listed more than once (an SCTP socket in eps and assocs)', () => {
    const index = new InodeIndex([5, 9, 5, 9, 5, 11]);
    expect(positionsOf(index, 5)).toEqual([0, 2, 4]);
    expect(positionsOf(index, 9)).toEqual([1, 3]);
    expect(index.lookup(11)).toBe(5);
  });

  it('tells apart inodes beyond 2^32 that share their low 32 bits', () => {
    const index = new InodeIndex([42, 2 ** 32 + 42, 2 ** 40 + 42]);
    expect(index.lookup(42)).toBe(0);
    expect(index.lookup(2 ** 32 + 42)).toBe(1);
    expect(index.lookup(2 ** 40 + 42)).toBe(2);
  });

  it('agrees with a Map over any list of inodes, consecutive ones included', () => {
    const inode = fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 1, max: 2 ** 32 - 1 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }));
    fc.assert(
      fc.property(fc.array(inode, { maxLength: 300 }), fc.array(inode, { maxLength: 50 }), (inodes, probes) => {
        const expected = new Map<number, number[]>();
        inodes.forEach((value, position) => {
          if (value !== 0) expected.set(value, [...(expected.get(value) ?? []), position]);
        });
        const index = new InodeIndex(inodes);
        for (const value of [...inodes, ...probes]) expect(positionsOf(index, value)).toEqual(value === 0 ? [] : (expected.get(value) ?? []));
      }),
    );
  });
});

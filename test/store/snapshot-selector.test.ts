import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, UsageError } from '../../src/errors.js';
import { groupSelectorWords, parseSelectorPair, parseSnapshotSelector, parseSnapshotWords } from '../../src/options/parse-snapshot-selector.js';
import { resolveSnapshot } from '../../src/store/resolve-snapshot.js';
import { writeSnapshot } from '../../src/store/write-snapshot.js';
import { makeInventory, makeRecord } from './make-record.js';
import { describeEachBackend, tempStore } from './temp-store.js';

const now = new Date('2026-11-25T12:00:00.000Z');

describe('parseSnapshotSelector', () => {
  it('parses every selector form', () => {
    expect(parseSnapshotSelector('42', now)).toEqual({ kind: 'id', text: '42', id: 42 });
    expect(parseSnapshotSelector('latest', now)).toMatchObject({ kind: 'nth-newest', n: 1, range: false });
    expect(parseSnapshotSelector('last 3', now)).toMatchObject({ kind: 'nth-newest', n: 3, range: true });
    expect(parseSnapshotSelector('@pre-deploy', now)).toMatchObject({ kind: 'label', label: 'pre-deploy' });
    expect(parseSnapshotSelector('2h', now)).toMatchObject({ kind: 'at-or-before', time: '2026-11-25T10:00:00.000Z' });
    expect(parseSnapshotSelector('30m ago', now)).toMatchObject({ kind: 'at-or-before', time: '2026-11-25T11:30:00.000Z' });
    expect(parseSnapshotSelector('1d', now)).toMatchObject({ time: '2026-11-24T12:00:00.000Z' });
    expect(parseSnapshotSelector('1w', now)).toMatchObject({ time: '2026-11-18T12:00:00.000Z' });
    expect(parseSnapshotSelector('2026-11-25T10:00Z', now)).toMatchObject({ kind: 'at-or-before', time: '2026-11-25T10:00:00.000Z' });
    expect(parseSnapshotSelector('2026-11-25T10:00:00+02:00', now)).toMatchObject({ time: '2026-11-25T08:00:00.000Z' });
    expect(parseSnapshotSelector('2026-11-20', now)).toMatchObject({ time: '2026-11-20T00:00:00.000Z' });
  });

  it('rejects what it does not know with a UsageError naming the input', () => {
    for (const bad of ['yesterday', 'last 0', '@', '2026-13-45', '5y', '-1']) {
      expect(() => parseSnapshotSelector(bad, now), bad).toThrow(UsageError);
    }
    expect(() => parseSnapshotSelector('yesterday', now)).toThrow(/"yesterday"/);
  });

  it('joins the words of one selector', () => {
    expect(groupSelectorWords(['last', '2'])).toEqual(['last 2']);
    expect(groupSelectorWords(['3h', 'ago', 'latest'])).toEqual(['3h ago', 'latest']);
    expect(groupSelectorWords(['@a', '7'])).toEqual(['@a', '7']);
  });
});

describeEachBackend('resolveSnapshot', (backend) => {
  let context: Awaited<ReturnType<typeof tempStore>>;
  const ids: number[] = [];

  beforeAll(async () => {
    context = await tempStore(backend);
    const times = ['2026-11-25T08:00:00.000Z', '2026-11-25T09:00:00.000Z', '2026-11-25T10:30:00.000Z', '2026-11-25T11:50:00.000Z'];
    const labels = [null, 'deploy', 'deploy', null];
    for (const [index, takenAt] of times.entries()) {
      const inventory = makeInventory([makeRecord({ inode: index + 1 })], { takenAt });
      ids.push((await writeSnapshot(context.store, inventory, { host: 'web1', label: labels[index] })).id);
    }
    await writeSnapshot(context.store, makeInventory([]), { host: 'other' });
  });
  afterAll(async () => context.cleanup());

  const resolve = async (selector: string) => (await resolveSnapshot(context.store, 'web1', parseSnapshotSelector(selector, now))).id;

  it('resolves ids, latest, last N, labels and times among the host\'s snapshots', async () => {
    expect(await resolve(String(ids[1]))).toBe(ids[1]);
    expect(await resolve('latest')).toBe(ids[3]);
    expect(await resolve('last 2')).toBe(ids[2]);
    expect(await resolve('last 4')).toBe(ids[0]);
    expect(await resolve('@deploy')).toBe(ids[2]);
    expect(await resolve('1h')).toBe(ids[2]);
    expect(await resolve('3h')).toBe(ids[1]);
    expect(await resolve('2026-11-25T08:00:00Z')).toBe(ids[0]);
    expect((await resolveSnapshot(context.store, 'web1', parseSnapshotSelector('2h ago', now))).takenAt).toBe('2026-11-25T09:00:00.000Z');
  });

  it('throws a NotFoundError naming a selector that matches nothing', async () => {
    await expect(resolve('999')).rejects.toThrow(/"999" matches no snapshot/);
    await expect(resolve('last 5')).rejects.toThrow(NotFoundError);
    await expect(resolve('@nope')).rejects.toThrow(/"@nope"/);
    await expect(resolve('5h')).rejects.toThrow(/taken at or before/);
    await expect(resolveSnapshot(context.store, 'nobody', parseSnapshotSelector('latest', now))).rejects.toThrow(/no snapshots of host "nobody"/);
  });

  it('resolves the pairs of selectors diff makes of its words', async () => {
    const pair = async (words: string[]) => {
      const { from, to } = parseSelectorPair(words, now);
      return [(await resolveSnapshot(context.store, 'web1', from)).id, (await resolveSnapshot(context.store, 'web1', to)).id];
    };
    expect(await pair([])).toEqual([ids[2], ids[3]]);
    expect(await pair(['last', '3'])).toEqual([ids[1], ids[3]]);
    expect(await pair(['@deploy'])).toEqual([ids[2], ids[3]]);
    expect(await pair([String(ids[0]), String(ids[1])])).toEqual([ids[0], ids[1]]);
    await expect(pair(['1', '2', '3'])).rejects.toThrow(UsageError);
    expect((await resolveSnapshot(context.store, 'web1', parseSnapshotWords(['3h', 'ago'], now)!)).id).toBe(ids[1]);
    expect(parseSnapshotWords([], now)).toBeUndefined();
    expect(() => parseSnapshotWords(['1', '2'], now)).toThrow(/expected one snapshot selector, got 2: 1, 2/);
  });
});

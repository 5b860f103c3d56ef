/**
 * The command-line boundary (src/options/command-options.ts): each command's options
 * come out typed and checked, and a bad value is a UsageError raised there, never below
 * (commands, review, store, inventory receive valid values; a well-formed value that names
 * nothing in the data is theirs to report, as a NotFoundError).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { checkOptions, collectOptions, diffOptions, historyOptions, listOptions, pruneOptions, reviewOptions, showOptions, snapshotOptions } from '../../src/options/command-options.js';
import { REPO_ROOT } from '../helpers/live.js';

const now = new Date('2026-11-25T12:00:00.000Z');

function sourceFiles(directory: string): string[] {
  return fs.readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(directory, entry.name);
    return entry.isDirectory() ? sourceFiles(file) : file.endsWith('.ts') ? [file] : [];
  });
}

describe('command options, parsed at the command line', () => {
  it('gives each command typed values: numbers, filters, selectors, policies', () => {
    expect(collectOptions({ procRoot: '/proc', family: 'tcp6,unix', state: 'listen', port: '22', pid: '7', json: true })).toEqual({
      procRoot: '/proc', runtimeRoot: undefined, host: undefined, json: true,
      filter: { families: [{ family: 'tcp', ipVersion: 6 }, { family: 'unix', ipVersion: null }], states: ['LISTEN'], port: 22, pid: 7 },
    });
    expect(listOptions({ limit: '20' }).limit).toBe(20);
    expect(snapshotOptions({ cmdline: 'FULL', label: 'pre-deploy' })).toMatchObject({ cmdline: 'full', label: 'pre-deploy', procRoot: '/proc' });
    expect(snapshotOptions({}).cmdline).toBe('redacted');
    expect(showOptions([], {}, now).snapshot).toMatchObject({ kind: 'nth-newest', n: 1 });
    expect(showOptions(['2h', 'ago'], { netns: 'host' }, now)).toMatchObject({ snapshot: { kind: 'at-or-before', time: '2026-11-25T10:00:00.000Z' }, filter: { netns: 'host' } });
    expect(diffOptions([], { format: 'JSON' }, now)).toMatchObject({ from: { kind: 'nth-newest', n: 2 }, to: { kind: 'nth-newest', n: 1 }, format: 'json', filter: {} });
    expect(diffOptions(['@a', '12'], {}, now)).toMatchObject({ from: { kind: 'label', label: 'a' }, to: { kind: 'id', id: 12 }, format: 'text' });
    expect(pruneOptions({ keep: '5' }, now).policy).toEqual({ keep: 5 });
    expect(pruneOptions({ olderThan: '1d' }, now).policy).toEqual({ olderThan: '2026-11-24T12:00:00.000Z' });
    expect(reviewOptions([], {}, now).snapshot).toBeUndefined();
    expect(checkOptions(['@x'], { baseline: 'b.json' }, now)).toMatchObject({ baseline: 'b.json', snapshot: { kind: 'label', label: 'x' } });
    expect(historyOptions({ port: '22', family: 'TCP6' })).toMatchObject({ filter: { port: 22, family: 'tcp', ipVersion: 6 }, description: '--port 22 --family TCP6' });
  });

  it.each([
    [() => collectOptions({ family: 'bogus' }), /^--family: unknown family "bogus"/],
    [() => collectOptions({ port: '65536' }), /^--port expects a whole number from 0 to 65535, got "65536"$/],
    [() => showOptions(['1', '2'], {}, now), /^expected one snapshot selector, got 2: 1, 2$/],
    [() => diffOptions(['1', '2', '3'], {}, now), /^expected at most two snapshot selectors/],
    [() => diffOptions([], { format: 'yaml' }, now), /^--format: unknown format "yaml"/],
    [() => snapshotOptions({ label: ' ' }), /^--label: expected a non-empty label$/],
    [() => snapshotOptions({ cmdline: 'some' }), /^--cmdline: expected full, redacted or none, got "some"$/],
    [() => pruneOptions({}, now), /^prune needs exactly one of --keep N and --older-than AGE/],
    [() => pruneOptions({ olderThan: '@x' }, now), /^--older-than: expected an age/],
    [() => historyOptions({}), /^history needs at least one of/],
    [() => listOptions({ db: '' }), /^--db: expected a database path, got an empty string$/],
  ])('%# raises a UsageError at the boundary', (parse, message) => {
    expect(parse).toThrow(UsageError);
    expect(parse).toThrow(message);
  });

  it('is the only place usage errors are raised: no module under commands/, review/, store/, inventory/ or proc/ names UsageError', () => {
    const below = ['commands', 'review', 'store', 'inventory', 'proc', 'diff', 'render', 'model', 'native'].flatMap((floor) => sourceFiles(path.join(REPO_ROOT, 'src', floor)));
    expect(below.length).toBeGreaterThan(50);
    const raising = below.filter((file) => /\bUsageError\b/.test(fs.readFileSync(file, 'utf8'))).map((file) => path.relative(REPO_ROOT, file));
    expect(raising).toEqual([]);
  });
});

/**
 * diff end to end on a pair of captured /proc trees: the built CLI snapshots
 * fixtures/review/clean-host, then fixtures/review/drifted-host (the same host, web1, after
 * a bad day), and `diff` must report it the same way in every format. Snapshot times are
 * "now", so ISO timestamps are masked before comparing with the golden files
 * (UPDATE_GOLDEN=1 rewrites them).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, REPO_ROOT, runCli } from '../helpers/live.js';

const GOLDEN_DIR = path.join(REPO_ROOT, 'fixtures/diff/proc-trees');
const GOLDEN_FILES: Record<string, string> = { text: 'expected.txt', json: 'expected.json', unified: 'expected.patch', markdown: 'expected.md' };

const maskTimes = (text: string) => text.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>');

describe('sockaudit diff between two captured /proc trees (built CLI)', () => {
  const dir = makeTempDir('sockaudit-diff-trees-');
  const db = path.join(dir, 'trees.db');
  const env = { SOCKAUDIT_DB: db };

  beforeAll(() => {
    for (const tree of ['clean-host', 'drifted-host']) {
      const result = runCli(['snapshot', '--quiet', '--proc-root', path.join(REPO_ROOT, 'fixtures/review', tree)], { env });
      expect(result.status).toBe(0);
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each(Object.keys(GOLDEN_FILES))('%s matches its golden file and exits 1', (format) => {
    const result = runCli(['diff', 'last', '2', '--host', 'web1', '--format', format], { env });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(1);
    const golden = path.join(GOLDEN_DIR, GOLDEN_FILES[format]!);
    if (process.env.UPDATE_GOLDEN === '1') {
      fs.mkdirSync(GOLDEN_DIR, { recursive: true });
      fs.writeFileSync(golden, maskTimes(result.stdout));
    }
    expect(maskTimes(result.stdout)).toBe(fs.readFileSync(golden, 'utf8'));
  });

  it('names each change with the right kind and tags', () => {
    const report = JSON.parse(runCli(['diff', '--host', 'web1', '--format', 'json'], { env }).stdout) as {
      summary: Record<string, number>;
      changes: { kind: string; key: string; tags: string[] }[];
    };
    expect(report.summary).toEqual({ widened: 1, opened: 3, closed: 0, changed: 1, rebound: 1, flows: 1 });
    const byKey = new Map(report.changes.map((change) => [change.key, change]));
    expect(byKey.get('tcp 0.0.0.0:80 host')).toMatchObject({ kind: 'changed', tags: ['reopened'] });
    expect(byKey.get('tcp 0.0.0.0:4444 host')).toMatchObject({ kind: 'opened' });
    const rebound = report.changes.find((change) => change.kind === 'rebound');
    expect(rebound?.tags).toContain('exposure-widened');
    expect(report.changes.filter((change) => change.kind === 'flow')).toHaveLength(1);
  });

  it('finds nothing between a snapshot and itself', () => {
    expect(runCli(['diff', 'latest', 'latest', '--host', 'web1'], { env }).status).toBe(0);
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffInventories } from '../../src/diff/diff-inventories.js';
import type { DiffReport } from '../../src/diff/diff-report.js';
import { renderJson } from '../../src/diff/render-json.js';
import { renderMarkdown } from '../../src/diff/render-markdown.js';
import { renderText } from '../../src/diff/render-text.js';
import { renderUnified } from '../../src/diff/render-unified.js';
import type { Inventory } from '../../src/model/socket-record.js';

/**
 * Golden outputs for the fixture pairs under fixtures/diff/<case>/. Regenerate with
 * `UPDATE_GOLDEN=1 npx vitest run test/diff/golden.test.ts` and review the files by eye;
 * the facts each golden must show are asserted separately in diff-inventories.test.ts and
 * below, so a wrong golden cannot pass unnoticed.
 */
const FIXTURES = path.resolve(__dirname, '../../fixtures/diff');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function readInventory(file: string): Inventory {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Inventory;
}

export function loadCase(name: string): { before: Inventory; after: Inventory } {
  return { before: readInventory(path.join(FIXTURES, name, 'before.json')), after: readInventory(path.join(FIXTURES, name, 'after.json')) };
}

function report(before: Inventory, after: Inventory, sockets: boolean): DiffReport {
  return {
    from: { id: 1, takenAt: before.meta.takenAt, host: before.meta.host, label: null },
    to: { id: 2, takenAt: after.meta.takenAt, host: after.meta.host, label: 'after-deploy' },
    result: diffInventories(before, after, { sockets }),
  };
}

function expectGolden(file: string, actual: string): void {
  const target = path.join(FIXTURES, file);
  if (UPDATE) fs.writeFileSync(target, actual);
  expect(fs.existsSync(target), `${file} missing: run with UPDATE_GOLDEN=1`).toBe(true);
  expect(actual).toBe(fs.readFileSync(target, 'utf8'));
}

const CASES = ['deployment', 'honesty', 'quiet', 'services'];

describe.each(CASES)('golden outputs of fixtures/diff/%s', (name) => {
  const { before, after } = loadCase(name);
  const defaultReport = report(before, after, false);

  it('text', () => expectGolden(`${name}/expected.txt`, renderText(defaultReport, { color: false })));
  it('text, --sockets', () => expectGolden(`${name}/expected-sockets.txt`, renderText(report(before, after, true), { color: false })));
  it('json', () => expectGolden(`${name}/expected.json`, renderJson(defaultReport)));
  it('unified', () => expectGolden(`${name}/expected.patch`, renderUnified(defaultReport, before, after).text));
  it('markdown', () => expectGolden(`${name}/expected.md`, renderMarkdown(defaultReport)));
});

describe('the deployment of issue 15 (fixtures/diff/services)', () => {
  const { before, after } = loadCase('services');
  const text = renderText(report(before, after, false), { color: false });
  const lines = text.trimEnd().split('\n');

  it('leads with the summary, counting the widened change apart, and ends with it', () => {
    expect(lines[1]).toMatch(/^1 exposure widened; /);
    expect(lines.at(-1)).toBe(lines[1]);
  });

  it('makes the widened listener the first change line, marked without colour', () => {
    expect(lines.find((line) => /^[!+~-] /.test(line))).toMatch(/^! tcp 0\.0\.0\.0:8080 host +rebound, exposure-widened/);
  });

  it('says each warning kind once, with both counts, and groups the 30 ephemeral listeners', () => {
    expect(text.match(/pid-vanished/g)).toHaveLength(1);
    expect(text).toContain('pid-vanished (#1 x3, #2 x5)');
    expect(lines.filter((line) => line.includes('ephemeral ports'))).toEqual([expect.stringMatching(/^\+ tcp \/usr\/bin\/node ephemeral ports, loopback host +0 -> 30 listeners \(\+30\)$/)]);
    expect(text).not.toMatch(/127\.0\.0\.1:3\d{4}/);
  });

  it('reports the backlog change, and lists the inode-only reopen only with --verbose', () => {
    expect(text).toContain('backlog 1024 -> 2048');
    expect(text).not.toContain('udp 0.0.0.0:67');
    expect(renderText(report(before, after, false), { color: false, verbose: true })).toMatch(/~ udp 0\.0\.0\.0:67 host +reopened: inode 7102 -> 8102/);
  });
});

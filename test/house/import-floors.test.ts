/**
 * The house rule (docs/design.md, "Floors"): imports point down. Each module under src/ is
 * on a floor by its top folder; a relative import of a module on a higher floor fails this
 * test, naming both files. Modules at the top of src/ that everyone uses (errors, io,
 * version) are on the ground floor.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/live.js';

const SRC = path.join(REPO_ROOT, 'src');

/** Floor by the first path element under src/ (a folder, or a top-level file's name). */
const FLOORS: Record<string, number> = {
  model: 0, native: 0, errors: 0, io: 0, version: 0, 'code-cache': 0,
  proc: 1, runtime: 1,
  inventory: 2,
  review: 3, store: 3, diff: 3, render: 3,
  watch: 4,
  commands: 5,
  options: 6, 'option-values': 6,
  program: 7,
  cli: 8, 'cli-head-start': 8,
};

function floorOf(file: string): string {
  return path.relative(SRC, file).split(path.sep)[0]!.replace(/\.(ts|js)$/, '');
}

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sources(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('imports point down a floor, never up', () => {
  const files = sources(SRC);

  it('every module of src/ is on a known floor', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.map(floorOf).filter((floor) => FLOORS[floor] === undefined)).toEqual([]);
  });

  it('no relative import reaches a higher floor', () => {
    const upward: string[] = [];
    for (const file of files) {
      const from = floorOf(file);
      for (const match of fs.readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
        const target = path.resolve(path.dirname(file), match[1]!);
        if (!target.startsWith(SRC + path.sep)) continue; // migrations/ sits beside src/, below every floor that uses it
        const to = floorOf(target);
        if (FLOORS[to]! > FLOORS[from]!) upward.push(`${path.relative(REPO_ROOT, file)} (${from}) imports ${match[1]} (${to})`);
      }
    }
    expect(upward).toEqual([]);
  });
});

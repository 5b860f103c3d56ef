import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { REPO_ROOT } from '../helpers/live.js';

const GOLDEN_DIR = path.join(REPO_ROOT, 'fixtures/review/golden');

/**
 * Compares text with fixtures/review/golden/<name>. With UPDATE_GOLDEN=1 the file is
 * (re)written instead, to be reviewed in the diff before it is committed.
 */
export function expectGolden(name: string, actual: string): void {
  const file = path.join(GOLDEN_DIR, name);
  if (process.env.UPDATE_GOLDEN === '1') {
    fs.mkdirSync(GOLDEN_DIR, { recursive: true });
    fs.writeFileSync(file, actual);
    return;
  }
  expect(fs.existsSync(file), `golden file ${file} is missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
  expect(actual).toBe(fs.readFileSync(file, 'utf8'));
}

/** Replaces what changes from run to run (collection times, temp paths) with placeholders. */
export function normalizeRun(text: string, replacements: Record<string, string> = {}): string {
  let result = text.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g, '<time>');
  for (const [from, to] of Object.entries(replacements)) result = result.split(from).join(to);
  return result;
}

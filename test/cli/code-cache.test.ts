/**
 * The bin's V8 code caches (src/code-cache.ts, made by scripts/make-code-cache.mjs): the
 * loader on chunks of its own, each case in a fresh Node process (it patches the module
 * loader), then the built bin with its caches against a copy of it without them.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CodeCacheReport } from '../../src/code-cache.js';
import { CLI, REPO_ROOT, makeTempDir } from '../helpers/live.js';

const LOADER = path.join(REPO_ROOT, 'dist/src/code-cache.js');
const BIN_DIR = path.dirname(CLI);
const built = fs.existsSync(LOADER) && fs.existsSync(CLI);
const temp = makeTempDir('sockaudit-code-cache-');
afterAll(() => fs.rmSync(temp, { recursive: true, force: true }));

/** Lays out a bin directory of two chunks (one requiring the other), a chunk in a subfolder and a .js file. */
function makeBin(name: string): string {
  const bin = path.join(temp, name);
  fs.mkdirSync(path.join(bin, 'sub'), { recursive: true });
  fs.writeFileSync(
    path.join(bin, 'first-Ab12Cd34.cjs'),
    [
      "const path = require('node:path');",
      "const second = require('./second-Ef56Gh78.cjs');",
      'function total(values) { let sum = 0; for (const value of values) sum += second.weigh(value); return sum; }',
      'function fail() { throw new Error("thrown in a chunk"); }',
      'module.exports = { total, fail, file: path.basename(__filename), dir: __dirname, self: module.exports === exports };',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(bin, 'second-Ef56Gh78.cjs'), 'exports.weigh = (value) => value.length * 2;\n');
  fs.writeFileSync(path.join(bin, 'sub/nested-Ij90Kl12.cjs'), 'module.exports = "nested";\n');
  fs.writeFileSync(path.join(bin, 'plain.js'), 'module.exports = "plain";\n');
  return bin;
}

interface DriverResult {
  total: number;
  file: string;
  dir: string;
  self: boolean;
  nested: string;
  plain: string;
  stack: string;
  report: CodeCacheReport;
}

/** Installs the loader for `bin` in a new Node process, loads every file of it, and reports. */
function drive(bin: string, writeTo?: string): DriverResult {
  const driver = `
    import { createRequire } from 'node:module';
    const { installCodeCache, codeCacheReport } = await import(${JSON.stringify(LOADER)});
    installCodeCache(${JSON.stringify(bin)}, process.env.WRITE_TO || undefined);
    const require = createRequire(import.meta.url);
    const first = require(${JSON.stringify(path.join(bin, 'first-Ab12Cd34.cjs'))});
    const nested = require(${JSON.stringify(path.join(bin, 'sub/nested-Ij90Kl12.cjs'))});
    const plain = require(${JSON.stringify(path.join(bin, 'plain.js'))});
    let stack = '';
    try { first.fail(); } catch (error) { stack = error.stack; }
    console.log(JSON.stringify({ total: first.total(['a', 'bc', 'def']), file: first.file, dir: first.dir, self: first.self, nested, plain, stack, report: codeCacheReport() }));
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', driver], { encoding: 'utf8', env: { ...process.env, WRITE_TO: writeTo ?? '' } });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout) as DriverResult;
}

function cachesIn(directory: string): string[] {
  return fs.existsSync(directory) ? fs.readdirSync(directory).sort() : [];
}

describe.skipIf(!built)('the code cache loader (skipped unless built: run npm run build)', () => {
  const bin = makeBin('bin');
  const caches = path.join(bin, 'code-cache');
  const written = path.join(temp, 'written');
  fs.mkdirSync(written);
  const first = drive(bin, written);

  it('compiles chunks without caches as Node does, and writes one per chunk of its directory when asked', () => {
    expect(first).toMatchObject({ total: 12, file: 'first-Ab12Cd34.cjs', dir: bin, self: true, nested: 'nested', plain: 'plain' });
    expect(first.report).toMatchObject({ directory: caches, loaded: 0, rejected: 0, missing: 2, builtBy: null });
    expect(cachesIn(written)).toEqual(['first-Ab12Cd34.cjs.v8', 'second-Ef56Gh78.cjs.v8']);
    // an error in a chunk still names the chunk's file and line
    expect(first.stack).toMatch(/first-Ab12Cd34\.cjs:4/);
  });

  it('loads both chunks from their caches, with the same results; a subfolder and .js files are left to Node', () => {
    fs.cpSync(written, caches, { recursive: true });
    fs.writeFileSync(path.join(caches, 'built-by.json'), JSON.stringify({ node: process.version, v8: process.versions.v8 }));
    const cached = drive(bin);
    expect(cached.report).toEqual({ directory: caches, loaded: 2, rejected: 0, missing: 0, builtBy: { node: process.version, v8: process.versions.v8 } });
    expect({ ...cached, report: null }).toEqual({ ...first, report: null });
  });

  it('compiles a chunk whose cache V8 rejects (damaged, or made for another source of that name) as if it had none', () => {
    const damaged = makeBin('damaged');
    fs.cpSync(written, path.join(damaged, 'code-cache'), { recursive: true });
    const cache = path.join(damaged, 'code-cache/first-Ab12Cd34.cjs.v8');
    const bytes = fs.readFileSync(cache);
    bytes.fill(0x5a, 0, 64); // the header: magic number, versions, source and flag hashes
    fs.writeFileSync(cache, bytes);
    // the second chunk's cache under the first one's name: another source, another length
    fs.copyFileSync(path.join(written, 'first-Ab12Cd34.cjs.v8'), path.join(damaged, 'code-cache/second-Ef56Gh78.cjs.v8'));
    const result = drive(damaged);
    expect(result.report).toMatchObject({ loaded: 0, rejected: 2, missing: 0 });
    expect(result.total).toBe(12);
  });

  it('does not read an empty cache, one too large (over 16 MiB), or a built-by.json that is not its own shape', () => {
    const odd = makeBin('odd');
    fs.mkdirSync(path.join(odd, 'code-cache'));
    fs.writeFileSync(path.join(odd, 'code-cache/first-Ab12Cd34.cjs.v8'), '');
    fs.writeFileSync(path.join(odd, 'code-cache/second-Ef56Gh78.cjs.v8'), Buffer.alloc(16 * 1024 * 1024 + 1));
    fs.writeFileSync(path.join(odd, 'code-cache/built-by.json'), JSON.stringify({ node: 'x'.repeat(65), v8: '11' }));
    const result = drive(odd);
    expect(result.report).toMatchObject({ loaded: 0, rejected: 0, missing: 2, builtBy: null });
    expect(result.total).toBe(12);
  });
});

describe.skipIf(!built)('the built bin and its code caches (skipped unless built: run npm run build)', () => {
  const cacheDir = path.join(BIN_DIR, 'code-cache');

  function doctorCache(argv: string[], db: string): CodeCacheReport & { check: { status: string; advice: string | null } } {
    const run = spawnSync(argv[0]!, [...argv.slice(1), 'doctor', '--json', '--db', db], { encoding: 'utf8' });
    const report = JSON.parse(run.stdout) as { codeCache: CodeCacheReport; checks: { area: string; status: string; advice: string | null }[] };
    return { ...report.codeCache, check: report.checks.find((check) => check.area === 'start-up')! };
  }

  it('has a cache for most chunks, made by this Node', () => {
    const chunks = fs.readdirSync(BIN_DIR).filter((name) => name.endsWith('.cjs') && name !== 'sockaudit.cjs');
    const caches = cachesIn(cacheDir).filter((name) => name.endsWith('.v8'));
    expect(caches.every((name) => chunks.includes(name.slice(0, -'.v8'.length)))).toBe(true);
    expect(caches.length).toBeGreaterThan(chunks.length / 2);
    expect(JSON.parse(fs.readFileSync(path.join(cacheDir, 'built-by.json'), 'utf8'))).toEqual({ node: process.version, v8: process.versions.v8 });
  });

  it('loads every chunk doctor needs from its cache when started through the launcher', () => {
    const report = doctorCache([CLI], path.join(temp, 'launcher.db'));
    expect(report).toMatchObject({ directory: cacheDir, rejected: 0, missing: 0 });
    expect(report.loaded).toBeGreaterThan(5);
    expect(report.check).toMatchObject({ status: 'ok', advice: null });
  });

  it('works with every cache rejected when started by node without the launcher (other V8 flags), and says why', () => {
    const report = doctorCache([process.execPath, CLI], path.join(temp, 'node.db'));
    expect(report).toMatchObject({ loaded: 0, missing: 0 });
    expect(report.rejected).toBeGreaterThan(5);
    expect(report.check.status).toBe('limit');
    expect(report.check.advice).toMatch(/launcher/);
  });

  it('collects the same inventory with its caches as a copy of the bin without them', () => {
    const copy = path.join(temp, 'package');
    fs.mkdirSync(path.join(copy, 'dist'), { recursive: true });
    fs.cpSync(BIN_DIR, path.join(copy, 'dist/bin'), { recursive: true, verbatimSymlinks: true });
    fs.cpSync(path.join(REPO_ROOT, 'dist/vendor'), path.join(copy, 'dist/vendor'), { recursive: true });
    fs.rmSync(path.join(copy, 'dist/bin/code-cache'), { recursive: true });
    for (const linked of ['native', 'node_modules', 'package.json']) fs.symlinkSync(path.join(REPO_ROOT, linked), path.join(copy, linked));
    const tree = path.join(REPO_ROOT, 'fixtures/proc/sockload-1k');
    const collect = (bin: string) => {
      const run = spawnSync(bin, ['collect', '--proc-root', tree, '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      expect(run.status).toBe(0);
      const { meta, ...rest } = JSON.parse(run.stdout) as { meta: Record<string, unknown> };
      const { takenAt: _takenAt, durationMs: _durationMs, ...stable } = meta;
      return { meta: stable, ...rest };
    };
    const withCaches = collect(CLI);
    expect((withCaches as unknown as { sockets: unknown[] }).sockets.length).toBeGreaterThan(1000);
    expect(collect(path.join(copy, 'dist/bin/sockaudit.cjs'))).toEqual(withCaches);
  });
});

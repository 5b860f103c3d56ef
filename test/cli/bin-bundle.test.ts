/**
 * The published bin as it is started: dist/bin/sockaudit.cjs is a shell launcher and the
 * CommonJS bundle in one file (scripts/add-launcher.mjs), and it carries one Kysely
 * (scripts/rolldown-bin.config.mjs).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, REPO_ROOT, hasCommand, makeTempDir } from '../helpers/live.js';

const built = fs.existsSync(CLI);
const temp = makeTempDir('sockaudit-bin-');
afterAll(() => fs.rmSync(temp, { recursive: true, force: true }));
const version = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function start(argv: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024 });
}

describe.skipIf(!built)('the bin launcher (skipped unless built: run npm run build)', () => {
  it('starts with /bin/sh, not env -S', () => {
    expect(fs.readFileSync(CLI, 'utf8').split('\n', 1)[0]).toBe('#!/bin/sh');
    expect(fs.statSync(CLI).mode & 0o111).not.toBe(0);
  });

  it('runs as an executable, through a symlink as npm links it, and with node directly', () => {
    const link = path.join(temp, 'node_modules/.bin/sockaudit');
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(CLI, link);
    for (const argv of [[CLI], [link], [process.execPath, CLI]]) {
      const result = start([...argv, '--version']);
      expect(result.stderr).toBe('');
      expect(result.stdout.trim()).toBe(version);
    }
    // a command that loads chunks, the vendor Kysely and the addon, through the symlink
    const collect = start([link, 'collect', '--family', 'tcp', '--listening', '--json']);
    expect(collect.status).toBe(0);
    expect((JSON.parse(collect.stdout) as { sockets: unknown[] }).sockets).toBeInstanceOf(Array);
  });

  it('passes the heap flags to node and moves NODE_EXTRA_CA_CERTS out of its way, to SOCKAUDIT_EXTRA_CA_CERTS', () => {
    const trace = start(['sh', '-x', CLI, '--version'], { NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem' });
    expect(trace.stderr).toMatch(/exec node --max-semi-space-size=8 --initial-heap-size=128 --max-inlined-bytecode-size-cumulative=500 /);
    expect(trace.stderr).toMatch(/export SOCKAUDIT_EXTRA_CA_CERTS=\/nonexistent\/ca\.pem/);
    expect(trace.stderr).toMatch(/unset NODE_EXTRA_CA_CERTS/);
    // Node warns about an unreadable extra CA file only when the variable reaches it: it
    // does not, whatever the database (the PostgreSQL TLS code reads the moved variable)
    expect(start([CLI, '--version'], { NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem' }).stderr).toBe('');
    const postgres = start([CLI, '--version'], { NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem', SOCKAUDIT_DB: 'postgres://db.invalid/audit' });
    expect(postgres.stderr).toBe('');
    expect(postgres.stdout.trim()).toBe(version);
    // without the variable, nothing is exported
    expect(start(['sh', '-x', CLI, '--version'], { NODE_EXTRA_CA_CERTS: '' }).stderr).not.toMatch(/SOCKAUDIT_EXTRA_CA_CERTS/);
  });

  it.skipIf(!hasCommand('busybox'))('runs under BusyBox sh, whose env has no -S (skipped without busybox)', () => {
    const result = start(['busybox', 'sh', CLI, '--version']);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(version);
  });
});

describe.skipIf(!built)('one Kysely in the bin (skipped unless built: run npm run build)', () => {
  const binDir = path.dirname(CLI);
  const chunks = built ? fs.readdirSync(binDir).filter((name) => name.endsWith('.cjs')) : [];

  it('no chunk bundles Kysely; the migrations load dist/vendor/kysely.cjs like the application', () => {
    const bundling = chunks.filter((name) => fs.readFileSync(path.join(binDir, name), 'utf8').includes('node_modules/kysely/'));
    expect(bundling).toEqual([]);
    const requiring = chunks.filter((name) => fs.readFileSync(path.join(binDir, name), 'utf8').includes('require("../vendor/kysely.cjs")'));
    expect(requiring.some((name) => name.startsWith('migrations-'))).toBe(true);
  });

  it('the vendor bundle exports every value the migrations import from kysely', async () => {
    const imported = new Set<string>();
    for (const name of fs.readdirSync(path.join(REPO_ROOT, 'migrations'))) {
      const source = fs.readFileSync(path.join(REPO_ROOT, 'migrations', name), 'utf8');
      for (const match of source.matchAll(/^import \{([^}]*)\} from 'kysely'/gm)) {
        for (const item of match[1]!.split(',')) if (item.trim() !== '' && !item.trim().startsWith('type ')) imported.add(item.trim());
      }
    }
    expect(imported.size).toBeGreaterThan(0);
    const vendor = (await import(path.join(REPO_ROOT, 'dist/vendor/kysely.cjs'))) as Record<string, unknown>;
    for (const name of imported) expect(vendor[name] ?? (vendor.default as Record<string, unknown>)[name], name).toBeDefined();
  });
});

/** `sockaudit doctor`, run as a user would: the built CLI on this host, as root and as a real unprivileged user. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATION_NAMES } from '../../migrations/migration-names.js';
import { printable, type DoctorReport } from '../../src/commands/doctor.js';
import { nativeAddonStatus } from '../../src/native/native-addon.js';
import { CLI, IS_ROOT, REPO_ROOT, hasCommand, makeTempDir, runCli } from '../helpers/live.js';

const built = fs.existsSync(CLI);
const temp = makeTempDir('sockaudit-doctor-');
afterAll(() => fs.rmSync(temp, { recursive: true, force: true }));

function doctor(args: string[], options: { uid?: number; gid?: number; env?: NodeJS.ProcessEnv } = {}) {
  const result = runCli(['doctor', '--json', ...args], options);
  return { status: result.status, stderr: result.stderr, report: JSON.parse(result.stdout) as DoctorReport };
}

describe.skipIf(!built)('doctor on this host (skipped unless built: run npm run build)', () => {
  it('reports the addon, each table source, namespaces, owners and a database not yet made', () => {
    const db = path.join(temp, 'fresh/sockaudit.db');
    const { status, report } = doctor(['--db', db]);
    expect(report.addon.loaded).toBe(nativeAddonStatus.loaded);
    if (report.addon.loaded) expect(report.addon.origin).toBe('compiled'); // a checkout compiles; the packed install uses the prebuild (scripts/check-package.sh)
    const tcp = report.tables.find((table) => table.table === 'net/tcp')!;
    expect(tcp.source).toBe(report.addon.loaded ? 'sock_diag' : 'proc');
    expect(report.tables.find((table) => table.table === 'net/raw')!.source).toBe('proc');
    expect(report.namespaces.length).toBeGreaterThan(0);
    expect(report.owners.processes).toBeGreaterThan(0);
    expect(report.database).toMatchObject({ path: db, exists: false, schema: 'missing', schemaVersion: null, writable: true });
    expect(report.database.freeBytes).toBeGreaterThan(0);
    expect(report.checks.map((check) => check.area)).toEqual(['addon', 'tables', 'namespaces', 'owners', 'database']);
    expect(status).toBe(report.ok ? 0 : 1);
    expect(report.ok).toBe(report.checks.every((check) => check.status !== 'problem'));
  });

  it('reads the schema version of a database without migrating it, and names one from a newer version as a problem (exit 1)', () => {
    const db = path.join(temp, 'schema.db');
    expect(runCli(['snapshot', '--db', db, '--quiet']).status).toBe(0);
    const current = doctor(['--db', db]).report;
    expect(current.database).toMatchObject({ exists: true, schema: 'current', schemaVersion: MIGRATION_NAMES.at(-1) });
    const connection = new BetterSqlite3(db);
    connection.prepare('INSERT INTO kysely_migration (name, timestamp) VALUES (?, ?)').run('9999-from-the-future', new Date().toISOString());
    connection.close();
    const newer = doctor(['--db', db]);
    expect(newer.status).toBe(1);
    expect(newer.report.database.schema).toBe('newer');
    expect(newer.report.checks.find((check) => check.area === 'database')).toMatchObject({ status: 'problem' });
    const text = runCli(['doctor', '--db', db]);
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(/^PROBLEM {2}database {4}.*9999-from-the-future/m);
    expect(text.stdout).toMatch(/-> upgrade sockaudit/);
  });

  it('reads a captured tree from its files', () => {
    const { report } = doctor(['--db', path.join(temp, 'tree.db'), '--proc-root', path.join(REPO_ROOT, 'fixtures/proc/edge-cases')]);
    const tcp = report.tables.find((table) => table.table === 'net/tcp')!;
    expect(tcp).toMatchObject({ source: 'proc', reason: 'a captured /proc tree is read from its files' });
  });

  it('--debug says where the addon came from', () => {
    const result = runCli(['list', '--debug', '--db', path.join(temp, 'debug.db')]);
    expect(result.stderr).toMatch(nativeAddonStatus.loaded ? /debug: native addon loaded from the compiled build / : /debug: native addon not loaded \(/);
  });
});

describe.skipIf(!built || !IS_ROOT || !hasCommand('useradd'))('doctor as an unprivileged user (skipped unless root with useradd: it creates a user)', () => {
  const user = `sadoc${process.pid}`;
  let uid = -1;
  let gid = -1;
  beforeAll(() => {
    expect(spawnSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', user]).status).toBe(0);
    const id = (flag: string) => Number(spawnSync('id', [flag, user], { encoding: 'utf8' }).stdout.trim());
    uid = id('-u');
    gid = id('-g');
    fs.chmodSync(temp, 0o777);
  });
  afterAll(() => void spawnSync('userdel', [user]));

  it('reports partial owners and namespaces as limits of the user, with what would lift them, and exits 0', () => {
    const { status, report } = doctor(['--db', path.join(temp, `user-${uid}.db`)], { uid, gid, env: { HOME: temp } });
    expect(report.root).toBe(false);
    expect(report.owners.readable).toBeLessThan(report.owners.processes);
    const owners = report.checks.find((check) => check.area === 'owners')!;
    expect(owners).toMatchObject({ status: 'limit', advice: 'run as root to see every owner' });
    expect(report.checks.filter((check) => check.status === 'problem')).toEqual(report.addon.loaded ? [] : [expect.objectContaining({ area: 'addon' })]);
    expect(status).toBe(report.addon.loaded ? 0 : 1);
  });

  it('names a database this user cannot write as a problem (exit 1)', () => {
    const { status, report } = doctor(['--db', '/var/lib/sockaudit-doctor-test/x.db'], { uid, gid, env: { HOME: temp } });
    expect(report.database.writable).toBe(false);
    expect(report.checks.find((check) => check.area === 'database')).toMatchObject({ status: 'problem' });
    expect(status).toBe(1);
  });
});

describe('printable', () => {
  it('escapes control and bidi characters and bounds the length', () => {
    expect(printable('evil\x1b[2Jname')).toBe('evil\\x1b[2Jname');
    expect(printable('a\u202eb\nc')).toBe('a\\u{202e}b\\x0ac');
    expect(printable('x'.repeat(500))).toHaveLength(200);
  });
});

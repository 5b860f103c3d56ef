/**
 * `sockaudit doctor`, run as a user would: the built CLI on this host, as root and as a real
 * unprivileged user, on an SQLite file and on the run's real PostgreSQL server (as its
 * admin, a host's role and a reviewer's, and unreachable).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATION_NAMES } from '../../migrations/migration-names.js';
import { nativeAddonStatus } from '../../src/native/native-addon.js';
import { escapeText } from '../../src/render/escape-text.js';
import { renderDoctor, type DoctorReport } from '../../src/render/doctor-text.js';
import { CLI, IS_ROOT, REPO_ROOT, hasCommand, makeTempDir, runCli } from '../helpers/live.js';
import { adminUrlFor, createTestDatabase, postgresAdminUrl, postgresSkipReason, withAdminClient } from '../helpers/postgres-databases.js';

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
    expect(report.checks.map((check) => check.area)).toEqual(['addon', 'tables', 'namespaces', 'owners', 'database', 'start-up']);
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

describe('renderDoctor', () => {
  it('prints host text in escapeText\'s form, bounded: a namespace name, a reason, a summary', async () => {
    const hostile = 'evil\x1b[2Jname\u202e\n';
    const db = path.join(temp, 'render.db');
    const report: DoctorReport = JSON.parse(runCli(['doctor', '--json', '--db', db, '--proc-root', path.join(REPO_ROOT, 'fixtures/proc/edge-cases')]).stdout);
    report.namespaces.push({ name: hostile, inode: 4026531999, readable: false, reason: `${hostile} ${'y'.repeat(500)}` });
    report.checks[0]!.summary = `${hostile}${'x'.repeat(1000)}`;
    const text = renderDoctor(report);
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\u202e]/);
    expect(text).toContain(`  ${escapeText(hostile)} (4026531999): ${escapeText(hostile)} y`);
    expect(escapeText(hostile)).toBe('evil\\x1b[2Jname\\u202e\\n');
    const summaryLine = text.split('\n').find((line) => line.includes('xxxx'))!;
    expect(summaryLine.endsWith('x…')).toBe(true);
    expect(summaryLine.length).toBeLessThan(21 + 410);
  });
});

describe.skipIf(!built || postgresAdminUrl === null)(`doctor on a PostgreSQL store (skipped without a built CLI or a PostgreSQL server${postgresSkipReason === '' ? '' : `: ${postgresSkipReason}`})`, () => {
  const password = decodeURIComponent(new URL(postgresAdminUrl ?? 'postgres://x:y@h/d').password);
  const hostPassword = `doctor-host-pw-${process.pid}`;
  const reader = `sockaudit_doctor_reader_${process.pid}`;
  let database = '';
  let hostRole = '';
  const roleUrl = (role: string, secret: string) => {
    const url = new URL(adminUrlFor(database));
    url.username = role;
    url.password = secret;
    return url.toString();
  };
  const pgDoctor = (url: string, env: NodeJS.ProcessEnv = {}) => {
    const result = runCli(['doctor', '--json', '--db', url], { env: { PGSSLMODE: '', ...env } });
    for (const secret of [password, hostPassword]) expect(result.stdout + result.stderr).not.toContain(secret);
    expect(result.stderr).toBe('');
    return { status: result.status, report: JSON.parse(result.stdout) as DoctorReport };
  };
  const databaseCheck = (report: DoctorReport) => report.checks.find((check) => check.area === 'database')!;

  beforeAll(async () => {
    database = await createTestDatabase('doctor');
    const admin = adminUrlFor(database);
    expect(runCli(['fleet', 'init', '--db', admin]).status).toBe(0);
    const passwordFile = path.join(temp, 'host.pw');
    fs.writeFileSync(passwordFile, `${hostPassword}\n`, { mode: 0o600 });
    const added = runCli(['fleet', 'add-host', `doc-${process.pid}`, '--db', admin, '--password-file', passwordFile]);
    expect(added.status, added.stderr).toBe(0);
    hostRole = /login role (\S+)/.exec(added.stdout)![1]!;
    await withAdminClient(async (client) => {
      await client.query(`drop role if exists ${reader}`);
      await client.query(`create role ${reader} login password '${hostPassword}' in role sockaudit_reader`);
    });
  });
  afterAll(async () => {
    await withAdminClient(async (client) => {
      await client.query(`drop database if exists "${database}" with (force)`);
      await client.query(`drop role if exists ${reader}`);
      if (hostRole !== '') await client.query(`drop role if exists "${hostRole}"`);
    });
  });

  it('as the admin: connected, server version, schema current, owner, no TLS on this server (a limit), no disk check', () => {
    const { status, report } = pgDoctor(adminUrlFor(database));
    expect(report.database).toMatchObject({
      engine: 'postgresql', exists: true, schema: 'current', schemaVersion: MIGRATION_NAMES.at(-1), freeBytes: null, writable: true,
      postgres: { role: 'postgres', roleKind: 'owner', unixSocket: false, migrations: { applied: MIGRATION_NAMES.length, known: MIGRATION_NAMES.length }, tls: { used: false, mode: 'prefer', verification: 'none' } },
    });
    expect(report.database.path).toMatch(/^postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/sockaudit_doctor_/);
    expect(report.database.postgres!.serverVersion).toMatch(/^\d+(\.\d+)?/);
    expect(databaseCheck(report)).toMatchObject({ status: 'limit', advice: expect.stringMatching(/not encrypted: .*sslmode=verify-full/) });
    expect(status).toBe(report.ok ? 0 : 1);
    const text = runCli(['doctor', '--db', adminUrlFor(database)], { env: { PGSSLMODE: '' } });
    expect(text.stdout).toMatch(/^limit {4}database {4}database postgres:\/\/postgres:\*\*\*@\S+: PostgreSQL \d+\S*.*, schema \S+ \((\d+) of \1 migrations applied\), role postgres \(owns the store: may write and migrate it\), no TLS \(sslmode=prefer\); disk space: not applicable \(the server's\)$/m);
    expect(text.stdout).not.toContain(password);
  });

  it('as a host\'s role: writes its own host only; as a reviewer\'s: reads only (a limit, not a problem)', () => {
    const host = pgDoctor(roleUrl(hostRole, hostPassword)).report;
    expect(host.database).toMatchObject({ schema: 'current', writable: true, postgres: { role: hostRole, roleKind: 'host', roleHost: `doc-${process.pid}` } });
    expect(databaseCheck(host).summary).toContain(`role ${hostRole} (host doc-${process.pid}: adds its own snapshots only)`);
    const review = pgDoctor(roleUrl(reader, hostPassword)).report;
    expect(review.database).toMatchObject({ schema: 'current', writable: false, postgres: { roleKind: 'reader' } });
    expect(databaseCheck(review)).toMatchObject({ status: 'limit', advice: expect.stringMatching(/^reading only/) });
  });

  it('an unreachable server or a wrong password: the one-line reason, without the password, a problem (exit 1)', () => {
    const wrong = new URL(adminUrlFor(database));
    wrong.password = 'doctor-wrong-pw';
    const refused = pgDoctor(wrong.toString());
    expect(refused.status).toBe(1);
    expect(refused.report.database).toMatchObject({ engine: 'postgresql', schema: 'unreadable', writable: false, postgres: null });
    expect(refused.report.database.error).toMatch(/password authentication failed/);
    expect(databaseCheck(refused.report)).toMatchObject({ status: 'problem', summary: expect.stringMatching(/^database postgres:\/\/postgres:\*\*\*@\S+ cannot be read: the PostgreSQL server refused the login/) });
    expect(JSON.stringify(refused.report)).not.toContain('doctor-wrong-pw');
    const unreachable = pgDoctor(`postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:1/x`, { PGCONNECT_TIMEOUT: '3' });
    expect(unreachable.status).toBe(1);
    expect(unreachable.report.database.error).toMatch(/cannot reach the PostgreSQL server/);
  });

  it('an empty database the admin may create the store in is fine; a newer schema is a problem', async () => {
    const empty = await createTestDatabase('doctor_empty');
    const fresh = pgDoctor(adminUrlFor(empty)).report;
    expect(fresh.database).toMatchObject({ exists: false, schema: 'missing', writable: true, postgres: { roleKind: 'owner' } });
    expect(databaseCheck(fresh).summary).toContain('no sockaudit store yet');
    expect(runCli(['snapshot', '--db', adminUrlFor(empty), '--quiet', '--proc-root', path.join(REPO_ROOT, 'fixtures/proc/edge-cases')]).status).toBe(0);
    await withAdminClient((client) => client.query("insert into kysely_migration (name, timestamp) values ('9999-from-the-future', now()::text)"), empty);
    const newer = pgDoctor(adminUrlFor(empty));
    expect(newer.status).toBe(1);
    expect(newer.report.database).toMatchObject({ schema: 'newer', schemaVersion: '9999-from-the-future' });
    expect(databaseCheck(newer.report)).toMatchObject({ status: 'problem', advice: expect.stringMatching(/upgrade sockaudit/) });
  });
});

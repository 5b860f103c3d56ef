/**
 * TLS per sslmode, on a real PostgreSQL with ssl=on that takes TCP connections only over
 * TLS (pg_hba.conf: hostssl, no host line), its certificate signed by a throwaway CA made
 * with openssl. The built CLI proves: verify-full with sslrootcert connects; a wrong CA is
 * one line, exit 2, without the password; require connects without verifying; disable is
 * refused by the server, clearly; the default (prefer) uses TLS; and a CA given only in
 * NODE_EXTRA_CA_CERTS still verifies through the bin's launcher, which unsets it.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyProcTree } from '../commands/proc-tree.js';
import { CLI, makeTempDir, runCli } from '../helpers/live.js';
import { postgresAdminUrl, postgresSkipReason } from '../helpers/postgres-databases.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres-server.js';
import { hasOpenssl, makeServerCertificate, makeTestCa } from '../helpers/test-certificates.js';

const skipReason = postgresAdminUrl === null ? `no PostgreSQL: ${postgresSkipReason}` : !fs.existsSync(CLI) ? 'the CLI is not built' : !hasOpenssl() ? 'no openssl command' : null;

describe.skipIf(skipReason !== null)(`sslmode on a TLS-only PostgreSQL (skipped without a PostgreSQL server, openssl or a built CLI${skipReason === null ? '' : `: ${skipReason}`})`, () => {
  const dir = makeTempDir('sockaudit-pgtls-');
  // a HOME without ~/.postgresql/root.crt, so that only what a test names is trusted
  const home = path.join(dir, 'home');
  fs.mkdirSync(home);
  const procRoot = copyProcTree('edge-cases', dir);
  const ca = makeTestCa(dir, 'ca');
  const otherCa = makeTestCa(dir, 'other-ca');
  let server: PostgresServer;

  beforeAll(async () => {
    server = await startPostgres({ tls: makeServerCertificate(dir, ca), tlsOnly: true });
  });
  afterAll(() => {
    server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const url = (params: Record<string, string>, host = '127.0.0.1') => {
    const base = new URL(server.adminUrl);
    base.hostname = host;
    for (const [key, value] of Object.entries(params)) base.searchParams.set(key, value);
    return base.toString();
  };
  const checked = (result: { status: number | null; stdout: string; stderr: string }) => {
    expect(result.stdout + result.stderr, 'the password is never shown').not.toContain(server.password);
    return result;
  };
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => checked(runCli(args, { env: { HOME: home, ...env } }));
  /** through the launcher, as a user runs the bin (runCli runs it with node, past the launcher) */
  const bin = (args: string[], env: NodeJS.ProcessEnv) => {
    const result = spawnSync(CLI, args, { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: home, NO_COLOR: '1', ...env } });
    return checked({ status: result.status, stdout: result.stdout, stderr: result.stderr });
  };
  const snapshot = ['snapshot', '--proc-root', procRoot, '--quiet'];

  it('verify-full with sslrootcert connects, by address and by name', () => {
    const first = cli([...snapshot, '--db', url({ sslmode: 'verify-full', sslrootcert: ca.caFile })]);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const byName = cli(['list', '--host', 'edge-host', '--json', '--db', url({ sslmode: 'verify-full', sslrootcert: ca.caFile }, 'localhost')]);
    expect(byName.stderr).toBe('');
    expect(byName.status).toBe(0);
    expect(JSON.parse(byName.stdout)).toHaveLength(1);
  });

  it('verify-full and verify-ca with a CA that did not sign the server: one line, exit 2, no password', () => {
    for (const sslmode of ['verify-full', 'verify-ca']) {
      const refused = cli(['list', '--host', 'edge-host', '--db', url({ sslmode, sslrootcert: otherCa.caFile })]);
      expect(refused.status).toBe(2);
      expect(refused.stdout).toBe('');
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
      expect(refused.stderr).toMatch(/^sockaudit: cannot open the database postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/postgres\?sslmode=verify-(full|ca)&sslrootcert=\S+: the server's certificate is not trusted \(/);
    }
    // and no CA at all: the test CA is in no system list
    const system = cli(['list', '--host', 'edge-host', '--db', url({ sslmode: 'verify-full' })]);
    expect(system.status).toBe(2);
    expect(system.stderr).toMatch(/certificate is not trusted/);
  });

  it('require connects without checking the certificate; verify-ca checks the chain only', () => {
    const required = cli(['list', '--host', 'edge-host', '--db', url({ sslmode: 'require' })]);
    expect(required.stderr).toBe('');
    expect(required.status).toBe(0);
    const chain = cli(['list', '--host', 'edge-host', '--db', url({ sslmode: 'verify-ca', sslrootcert: ca.caFile })]);
    expect(chain.stderr).toBe('');
    expect(chain.status).toBe(0);
  });

  it('the default (prefer) and PGSSLMODE=require use TLS; disable is refused by a hostssl-only server, clearly', () => {
    expect(cli(['list', '--host', 'edge-host', '--db', url({})]).status).toBe(0);
    expect(cli(['list', '--host', 'edge-host', '--db', url({})], { PGSSLMODE: 'require' }).status).toBe(0);
    // the URL's sslmode wins over PGSSLMODE, as in libpq
    const disabled = cli(['list', '--host', 'edge-host', '--db', url({ sslmode: 'disable' })], { PGSSLMODE: 'require' });
    expect(disabled.status).toBe(2);
    expect(disabled.stderr.trim().split('\n')).toHaveLength(1);
    expect(disabled.stderr).toMatch(/the PostgreSQL server refused the login: no pg_hba\.conf entry for host "127\.0\.0\.1", user "postgres", database "postgres", no encryption \(28000\)/);
    // allow: plain first, then TLS when the server refuses plain
    expect(cli(['list', '--host', 'edge-host', '--db', url({ sslmode: 'allow' })]).status).toBe(0);
  });

  it('an unknown sslmode, verify-ca without a root certificate and a missing sslrootcert: one line, exit 2', () => {
    const unknown = cli(['list', '--host', 'edge-host', '--db', url({ sslmode: 'verify' })]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown sslmode "verify" \(one of: disable, allow, prefer, require, verify-ca, verify-full\)/);
    const noRoot = cli(['list', '--host', 'edge-host', '--db', url({ sslmode: 'verify-ca' })]);
    expect(noRoot.status).toBe(2);
    expect(noRoot.stderr).toMatch(/sslmode=verify-ca needs the CA to trust in sslrootcert/);
    const missing = cli(['list', '--host', 'edge-host', '--db', url({ sslmode: 'verify-full', sslrootcert: path.join(dir, 'nope.crt') })]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read sslrootcert \S+nope\.crt: ENOENT/);
  });

  it('doctor says whether TLS is in use and how the certificate was checked', () => {
    const verified = cli(['doctor', '--json', '--db', url({ sslmode: 'verify-full', sslrootcert: ca.caFile })]);
    const report = JSON.parse(verified.stdout) as { database: { postgres: { tls: object; unixSocket: boolean } }; checks: { area: string; status: string; summary: string }[] };
    expect(report.database.postgres.tls).toMatchObject({ used: true, mode: 'verify-full', verification: 'chain and host name', roots: ca.caFile, protocol: expect.stringMatching(/^TLSv1\.[23]$/) });
    const check = report.checks.find((entry) => entry.area === 'database')!;
    expect(check.status).toBe('ok');
    expect(check.summary).toMatch(/, TLS TLSv1\.[23], certificate checked \(chain and host name, roots \S+ca\.crt\) \(sslmode=verify-full\); disk space: not applicable/);
    const unchecked = JSON.parse(cli(['doctor', '--json', '--db', url({ sslmode: 'require' })]).stdout) as typeof report;
    expect(unchecked.database.postgres.tls).toMatchObject({ used: true, verification: 'none', roots: null });
    expect(unchecked.checks.find((entry) => entry.area === 'database')).toMatchObject({ status: 'limit', summary: expect.stringContaining('certificate not checked') });
    const text = cli(['doctor', '--db', url({ sslmode: 'require' })]);
    expect(text.stdout).toMatch(/^limit {4}database {4}.*certificate not checked \(sslmode=require\)/m);
    expect(text.stdout).toMatch(/-> the server's certificate is not checked/);
  });

  it('a CA given only in NODE_EXTRA_CA_CERTS verifies through the launcher, which keeps it out of Node\'s start-up', () => {
    const verifyFull = url({ sslmode: 'verify-full' });
    // --db, and SOCKAUDIT_DB: the launcher does not need to see the URL
    const viaArgument = bin(['list', '--host', 'edge-host', '--json', '--db', verifyFull], { NODE_EXTRA_CA_CERTS: ca.caFile });
    expect(viaArgument.stderr).toBe('');
    expect(viaArgument.status).toBe(0);
    const viaEnvironment = bin(['list', '--host', 'edge-host', '--json'], { NODE_EXTRA_CA_CERTS: ca.caFile, SOCKAUDIT_DB: verifyFull.replace(/^postgres:/, 'POSTGRESQL:') });
    expect(viaEnvironment.stderr).toBe('');
    expect(viaEnvironment.status).toBe(0);
    // without it, the same connection is refused: the CA came from that variable
    const without = bin(['list', '--host', 'edge-host', '--db', verifyFull], {});
    expect(without.status).toBe(2);
    expect(without.stderr).toMatch(/certificate is not trusted/);
    // an unreadable file: a warning as Node gives, then the verification fails on its own
    const unreadable = bin(['list', '--host', 'edge-host', '--db', verifyFull], { NODE_EXTRA_CA_CERTS: path.join(dir, 'missing-ca.crt') });
    expect(unreadable.status).toBe(2);
    expect(unreadable.stderr).toMatch(/^warning: ignoring extra certs from \S+missing-ca\.crt \(NODE_EXTRA_CA_CERTS\): ENOENT/);
  });
});

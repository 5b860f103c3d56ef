/**
 * sslmode and friends mapped onto node-postgres's `ssl` option (src/store/postgres-tls.ts):
 * what each mode asks of the certificate, the environment's PGSSLMODE/PGSSLROOTCERT, the
 * libpq defaults under ~/.postgresql, unix sockets, and the refusals. The connections
 * themselves are proven on a real TLS server in test/cli/postgres-tls-cli.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { StorageError } from '../../src/errors.js';
import { postgresTls, withoutTlsParameters } from '../../src/store/postgres-tls.js';
import { makeTempDir } from '../helpers/live.js';

describe('postgresTls', () => {
  const home = makeTempDir('sockaudit-tlsmap-');
  const ca = path.join(home, 'ca.pem');
  fs.writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nnot parsed here\n-----END CERTIFICATE-----\n');
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));
  const warnings: string[] = [];
  const settle = (url: string, env: NodeJS.ProcessEnv = {}) => postgresTls({ url, env: { HOME: home, ...env }, warn: (line) => warnings.push(line) });

  it('defaults to prefer: TLS unverified first, plain text when the server has none', () => {
    const settings = settle('postgres://db.example/fleet');
    expect(settings).toMatchObject({ mode: 'prefer', first: { rejectUnauthorized: false }, second: false, verification: 'none' });
  });

  it('takes sslmode from the URL before PGSSLMODE, and disable means no TLS at all', () => {
    expect(settle('postgres://db/x', { PGSSLMODE: 'require' }).mode).toBe('require');
    expect(settle('postgres://db/x?sslmode=disable', { PGSSLMODE: 'verify-full' })).toMatchObject({ mode: 'disable', first: false, second: null });
  });

  it('allow: plain first, TLS unverified as the second attempt', () => {
    expect(settle('postgres://db/x?sslmode=allow')).toMatchObject({ first: false, second: { rejectUnauthorized: false } });
  });

  it('require checks nothing, unless a root certificate is there: then the chain (verify-ca), as libpq', () => {
    expect(settle('postgres://db/x?sslmode=require')).toMatchObject({ first: { rejectUnauthorized: false }, verification: 'none' });
    const withRoot = settle(`postgres://db/x?sslmode=require&sslrootcert=${encodeURIComponent(ca)}`);
    expect(withRoot.verification).toBe('chain');
    expect(withRoot.first && withRoot.first.ca).toContain('not parsed here');
    expect(withRoot.first && withRoot.first.rejectUnauthorized).toBeUndefined();
    expect(withRoot.first && withRoot.first.checkServerIdentity?.('db', {} as tls.PeerCertificate)).toBeUndefined();
  });

  it('verify-full: sslrootcert, PGSSLROOTCERT or ~/.postgresql/root.crt, else the system CAs', () => {
    expect(settle(`postgres://db/x?sslmode=verify-full&sslrootcert=${encodeURIComponent(ca)}`)).toMatchObject({ verification: 'chain and host name', roots: ca });
    expect(settle('postgres://db/x?sslmode=verify-full', { PGSSLROOTCERT: ca }).roots).toBe(ca);
    const system = settle('postgres://db/x?sslmode=verify-full');
    expect(system).toMatchObject({ roots: 'system', first: {} });
    expect(system.first && 'ca' in system.first).toBe(false);
    expect(settle('postgres://db/x?sslmode=verify-full&sslrootcert=system').roots).toBe('system');
    fs.mkdirSync(path.join(home, '.postgresql'));
    fs.copyFileSync(ca, path.join(home, '.postgresql', 'root.crt'));
    try {
      expect(settle('postgres://db/x?sslmode=verify-full').roots).toBe(path.join(home, '.postgresql', 'root.crt'));
      expect(settle('postgres://db/x?sslmode=require').verification).toBe('chain');
    } finally {
      fs.rmSync(path.join(home, '.postgresql'), { recursive: true });
    }
  });

  it('the launcher\'s moved NODE_EXTRA_CA_CERTS joins Node\'s list for the system CAs', () => {
    const settings = settle('postgres://db/x?sslmode=verify-full', { SOCKAUDIT_EXTRA_CA_CERTS: ca });
    const roots = settings.first === false ? [] : (settings.first.ca as string[]);
    expect(roots).toHaveLength(tls.rootCertificates.length + 1);
    expect(roots.at(-1)).toContain('not parsed here');
  });

  it('never TLS on a unix socket (libpq neither)', () => {
    expect(settle('postgres:///x?host=/run/postgresql&sslmode=verify-full').first).toBe(false);
    expect(settle('postgres:///x', { PGHOST: '/tmp' }).first).toBe(false);
  });

  it('refuses, in one line: an unknown mode, verify-ca with only the system CAs, sslrootcert=system with a weaker mode, a key others may read', () => {
    expect(() => settle('postgres://db/x?sslmode=strict')).toThrow(StorageError);
    expect(() => settle('postgres://db/x?sslmode=verify-ca')).toThrow(/verify-ca needs the CA to trust in sslrootcert/);
    expect(() => settle('postgres://db/x?sslmode=require&sslrootcert=system')).toThrow(/sslmode=require may not be used with sslrootcert=system/);
    const key = path.join(home, 'client.key');
    fs.writeFileSync(key, 'key', { mode: 0o644 });
    fs.chmodSync(key, 0o644);
    expect(() => settle(`postgres://db/x?sslmode=require&sslcert=${encodeURIComponent(ca)}&sslkey=${encodeURIComponent(key)}`)).toThrow(/sslkey \S+ may be read by others \(mode 0644\)/);
    fs.chmodSync(key, 0o600);
    expect(settle(`postgres://db/x?sslmode=require&sslcert=${encodeURIComponent(ca)}&sslkey=${encodeURIComponent(key)}`).first).toMatchObject({ key: 'key' });
  });

  it('withoutTlsParameters leaves the driver nothing of TLS to read its own way', () => {
    expect(withoutTlsParameters('postgres://u:p@db/x?sslmode=require&sslrootcert=%2Fca&application_name=a&sslcert=c&sslkey=k&ssl=true&uselibpqcompat=true&sslpassword=x'))
      .toBe('postgres://u:p@db/x?application_name=a');
  });
});

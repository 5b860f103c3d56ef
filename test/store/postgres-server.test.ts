/**
 * The PostgreSQL server the storage tests run against (test/helpers/postgres-global-setup.ts)
 * is real and asks for the password over TCP. Skips with the reason when none could be
 * started; .ci/run installs Debian's postgresql package so that CI always has one.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { findPostgresBin } from '../helpers/postgres-server.js';

const postgres = inject('postgres');

describe.skipIf(postgres.adminUrl === null)(`the test PostgreSQL server (skipped: ${postgres.reason ?? ''})`, () => {
  const url = new URL(postgres.adminUrl ?? 'postgres://x@127.0.0.1:1/x');
  const psql = (password: string) =>
    spawnSync(path.join(findPostgresBin()!, 'psql'), ['-h', url.hostname, '-p', url.port, '-U', 'postgres', '-d', 'postgres', '-tAc', 'select 40 + 2'], {
      encoding: 'utf8',
      env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '10' },
    });

  it('answers on 127.0.0.1 with the password', () => {
    const result = psql(decodeURIComponent(url.password));
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('42');
  });

  it('refuses a wrong password', () => {
    const result = psql('wrong');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/password authentication failed/);
  });
});

/**
 * A real PostgreSQL server for the tests: initdb into a temporary directory, started with
 * pg_ctl on 127.0.0.1 and a unix socket in that directory, stopped (and the directory
 * removed) at the end. Used by test/helpers/postgres-global-setup.ts, once per test run;
 * each test file makes a database of its own on it (createTestDatabase).
 *
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user
 * (Debian's postgresql package creates it) and the directory is handed to it. The
 * superuser gets a password (scram-sha-256 over TCP; trust on the unix socket, which only
 * the directory's owner can reach) so that the tests can also check password handling.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface PostgresServer {
  /** superuser URL over TCP, with its password: postgres://postgres:PW@127.0.0.1:PORT/postgres */
  adminUrl: string;
  host: string;
  port: number;
  password: string;
  /** the unix socket directory */
  socketDir: string;
  stop(): void;
}

/** Where Debian (or a PATH) keeps initdb and pg_ctl; null when PostgreSQL is not installed. */
export function findPostgresBin(): string | null {
  const debian = '/usr/lib/postgresql';
  if (fs.existsSync(debian)) {
    const versions = fs
      .readdirSync(debian)
      .filter((version) => fs.existsSync(path.join(debian, version, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) return path.join(debian, versions[0]!, 'bin');
  }
  const found = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  return found.status === 0 ? path.dirname(found.stdout.trim()) : null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The uid and gid the server runs as: `postgres` when we are root, else ourselves. */
function serverUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const uid = id('-u');
  const gid = id('-g');
  if (uid.status !== 0 || gid.status !== 0) throw new Error('running as root, but there is no postgres user to run PostgreSQL as (install Debian\'s postgresql package)');
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function run(bin: string, args: string[], user: { uid: number; gid: number } | null, what: string): void {
  const result = spawnSync(bin, args, { encoding: 'utf8', uid: user?.uid, gid: user?.gid, timeout: 60_000, env: { ...process.env, LC_ALL: 'C' } });
  if (result.status !== 0) throw new Error(`${what} failed (${result.status ?? result.signal}): ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' | ')}`);
}

export interface StartPostgresOptions {
  /** TLS on (ssl=on) with this server certificate and key (PEM text) */
  tls?: { cert: string; key: string };
  /** TCP connections only over TLS: pg_hba.conf has `hostssl` and no `host` line */
  tlsOnly?: boolean;
}

export async function startPostgres(startOptions: StartPostgresOptions = {}): Promise<PostgresServer> {
  const bin = findPostgresBin();
  if (bin === null) throw new Error('PostgreSQL is not installed (no initdb)');
  const user = serverUser();
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'sockaudit-pg-'));
  const data = path.join(dir, 'data');
  const password = `pw-${process.pid}-${Date.now().toString(36)}`;
  const passwordFile = path.join(dir, 'password');
  fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (user !== null) {
    fs.chownSync(dir, user.uid, user.gid);
    fs.chownSync(passwordFile, user.uid, user.gid);
  }
  fs.chmodSync(dir, 0o700);
  run(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${passwordFile}`, '-E', 'UTF8', '--no-sync'], user, 'initdb');
  const port = await freePort();
  let options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  if (startOptions.tls !== undefined) {
    // the server refuses a key that others may read, and must own it
    for (const [name, text] of [['server.crt', startOptions.tls.cert], ['server.key', startOptions.tls.key]] as const) {
      const file = path.join(data, name);
      fs.writeFileSync(file, text, { mode: 0o600 });
      if (user !== null) fs.chownSync(file, user.uid, user.gid);
    }
    options += ` -c ssl=on -c ssl_cert_file=${path.join(data, 'server.crt')} -c ssl_key_file=${path.join(data, 'server.key')}`;
  }
  if (startOptions.tlsOnly === true) {
    fs.writeFileSync(path.join(data, 'pg_hba.conf'), 'local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n');
  }
  run(path.join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start'], user, 'pg_ctl start');
  let stopped = false;
  return {
    adminUrl: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    host: '127.0.0.1',
    port,
    password,
    socketDir: dir,
    stop() {
      if (stopped) return;
      stopped = true;
      spawnSync(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], { uid: user?.uid, gid: user?.gid, stdio: 'ignore', timeout: 60_000 });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

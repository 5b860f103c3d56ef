/*
 * postgres.mjs - a throw-away PostgreSQL server for the fleet benchmark, as the tests start
 * one (test/helpers/postgres-server.ts): initdb into a temporary directory, pg_ctl start on
 * 127.0.0.1 and a unix socket there, as the postgres user when run as root; stop() removes it.
 * fsync stays on here (unlike the tests): the figures are meant to be those of a real server.
 * --pg URL (an existing server's database) skips all of this.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

function findBin() {
  const debian = '/usr/lib/postgresql';
  if (fs.existsSync(debian)) {
    const versions = fs.readdirSync(debian).filter((v) => fs.existsSync(path.join(debian, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) return path.join(debian, versions[0], 'bin');
  }
  const found = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  return found.status === 0 ? path.dirname(found.stdout.trim()) : null;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function run(bin, args, user, what) {
  const result = spawnSync(bin, args, { encoding: 'utf8', uid: user?.uid, gid: user?.gid, timeout: 120_000, env: { ...process.env, LC_ALL: 'C' } });
  if (result.status !== 0) throw new Error(`${what} failed: ${(result.stderr || result.stdout).trim().split('\n').slice(-2).join(' | ')}`);
}

/** { url(database), createDatabase(name), stop() } */
export async function startPostgres() {
  const bin = findBin();
  if (bin === null) throw new Error('PostgreSQL is not installed (no initdb); pass --pg URL');
  let user = null;
  if (process.getuid?.() === 0) {
    const id = (flag) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
    user = { uid: Number(id('-u').stdout.trim()), gid: Number(id('-g').stdout.trim()) };
  }
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'sockaudit-bench-pg-'));
  if (user !== null) fs.chownSync(dir, user.uid, user.gid);
  fs.chmodSync(dir, 0o700);
  const data = path.join(dir, 'data');
  run(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], user, 'initdb');
  const port = await freePort();
  run(path.join(bin, 'pg_ctl'), ['-D', data, '-o', `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir}`, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start'], user, 'pg_ctl start');
  const psql = path.join(bin, 'psql');
  return {
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    createDatabase: (name) => run(psql, ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-c', `create database "${name}"`], null, 'create database'),
    stop() {
      spawnSync(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop'], { uid: user?.uid, gid: user?.gid, stdio: 'ignore', timeout: 60_000 });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The password file, as libpq reads it: $PGPASSFILE, else ~/.pgpass ($HOME, else the
 * user's home); consulted only when neither the URL nor $PGPASSWORD gives a password.
 *
 * Each line is `hostname:port:database:username:password`; any of the first four may be
 * `*`; `\:` and `\\` stand for `:` and `\`; lines starting with `#` are comments. The first
 * line that matches wins. A unix socket in the default directory (/var/run/postgresql) or
 * no host at all matches `localhost`, as in libpq. A file that group or others may read
 * (or that is not a regular file) is ignored with a warning, as libpq does.
 *
 * `pg` would read it through the `pgpass` package, but only from the process's
 * environment, with a deprecation notice on stderr, and it goes away in pg 9: one small
 * reader here instead.
 *
 * @example pgpassEntryMatches('db.example:5432:fleet:web7:s3\\:cret', { host: 'db.example', port: 5432, database: 'fleet', user: 'web7' })
 *   -> 's3:cret'
 * @example pgpassEntryMatches('*:*:*:web7:pw', { host: 'x', port: 1, database: 'y', user: 'web7' }) -> 'pw'
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface PgpassTarget {
  host: string | undefined;
  port: number | string | undefined;
  database: string | undefined;
  user: string | undefined;
}

/** A password file beyond this is not one (libpq reads lines of up to 320 bytes). */
const MAX_PGPASS_BYTES = 1024 * 1024;
/** DEFAULT_PGSOCKET_DIR of Debian's libpq: a socket there counts as `localhost`. */
const DEFAULT_SOCKET_DIRS = ['/var/run/postgresql', '/run/postgresql', '/tmp'];

/** The password file's path in `env`. */
export function pgpassFileOf(env: NodeJS.ProcessEnv): string {
  if (env.PGPASSFILE !== undefined && env.PGPASSFILE !== '') return env.PGPASSFILE;
  const home = env.HOME !== undefined && env.HOME !== '' ? env.HOME : os.homedir();
  return path.join(home, '.pgpass');
}

/**
 * The password for `target` from the password file in `env`, or undefined (no file, no
 * matching line, or a file ignored: `warn` then says why, without any of its content).
 */
export function pgpassPassword(target: PgpassTarget, env: NodeJS.ProcessEnv, warn: (line: string) => void): string | undefined {
  const file = pgpassFileOf(env);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) {
      warn(`warning: password file "${file}" is not a plain file; ignored`);
      return undefined;
    }
    if ((stat.mode & 0o077) !== 0) {
      warn(`warning: password file "${file}" has group or world access; permissions should be u=rw (0600) or less; ignored`);
      return undefined;
    }
    const buffer = Buffer.alloc(Math.min(stat.size, MAX_PGPASS_BYTES));
    const size = fs.readSync(fd, buffer, 0, buffer.length, 0);
    for (const line of buffer.subarray(0, size).toString('utf8').split('\n')) {
      const password = pgpassEntryMatches(line.replace(/\r$/, ''), target);
      if (password !== undefined) return password;
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** The password of one line when it matches `target`, else undefined. */
export function pgpassEntryMatches(line: string, target: PgpassTarget): string | undefined {
  if (line === '' || line.startsWith('#')) return undefined;
  const fields = splitFields(line);
  if (fields === undefined) return undefined;
  const [host, port, database, user, password] = fields;
  let targetHost = target.host === undefined || target.host === '' ? 'localhost' : target.host;
  if (DEFAULT_SOCKET_DIRS.includes(targetHost)) targetHost = 'localhost';
  const wanted = [targetHost, String(target.port ?? 5432), target.database ?? '', target.user ?? ''];
  const matches = [host, port, database, user].every((field, index) => field === '*' || field === wanted[index]);
  return matches && password !== '' ? password : undefined;
}

/** The five fields, unescaped, the fifth being the rest of the line; undefined when fewer. */
function splitFields(line: string): [string, string, string, string, string] | undefined {
  const fields: string[] = [];
  let current = '';
  for (let index = 0; index < line.length; index++) {
    const char = line[index]!;
    if (char === '\\' && index + 1 < line.length) {
      current += line[++index];
    } else if (char === ':' && fields.length < 4) {
      fields.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  if (fields.length < 4) return undefined;
  return [fields[0]!, fields[1]!, fields[2]!, fields[3]!, current];
}

/**
 * Fault injection on the database (issue 11, parts 1-3): each case is done to a real file
 * with the built CLI run as a user would, and asserts the exit code, the one line on stderr,
 * and that what was committed before the fault still verifies.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { CLI, IS_ROOT, makeTempDir, runCli } from '../helpers/live.js';
import { copyProcTree, setCmdline } from '../commands/proc-tree.js';

const built = fs.existsSync(CLI);

let dir: string;
let db: string;
let procRoot: string;

beforeEach(() => {
  dir = makeTempDir('sockaudit-faults-');
  db = path.join(dir, 'sockaudit.db');
  procRoot = copyProcTree('edge-cases', dir);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function sockaudit(args: string[], options: { uid?: number; gid?: number } = {}) {
  return runCli([...args, '--db', db, '--proc-root', procRoot], options);
}

/** N snapshots, each with another command line for pid 120 so that each one writes rows. */
function snapshots(count: number, from = 0): number[] {
  const ids: number[] = [];
  for (let step = from; step < from + count; step++) {
    setCmdline(procRoot, 120, ['nginx', `step-${step}`]);
    const run = sockaudit(['snapshot', '--json', '--cmdline', 'full']);
    expect(run.status, run.stderr).toBe(0);
    ids.push((JSON.parse(run.stdout) as { id: number }).id);
  }
  return ids;
}

/** The one line a failing command printed on stderr. */
function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  expect(lines, stderr).toHaveLength(1);
  return lines[0]!;
}

function verifies(): void {
  const run = sockaudit(['verify']);
  expect(run.status, run.stdout + run.stderr).toBe(0);
  expect(run.stdout).toMatch(/^ok: /);
}

function sqliteRows(file: string, query: string): unknown[] {
  const raw = new BetterSqlite3(file, { readonly: true });
  try {
    return raw.prepare(query).all();
  } finally {
    raw.close();
  }
}

describe.skipIf(!built)('verify sees physical damage (built CLI)', () => {
  it('an index page overwritten: verify fails naming SQLite integrity_check, snapshot stops with one line, reads still work', () => {
    snapshots(3);
    const { page_size: pageSize } = (sqliteRows(db, 'pragma page_size') as { page_size: number }[])[0]!;
    const { rootpage } = (sqliteRows(db, "select rootpage from sqlite_master where name = 'processes_host_fingerprint'") as { rootpage: number }[])[0]!;
    // the b-tree page header of the index's root: 0xff is no page type
    const fd = fs.openSync(db, 'r+');
    fs.writeSync(fd, Buffer.alloc(64, 0xff), 0, 64, (rootpage - 1) * pageSize);
    fs.closeSync(fd);

    const verify = sockaudit(['verify']);
    expect(verify.status, verify.stdout + verify.stderr).toBe(1);
    expect(verify.stdout).toMatch(/^verify failed: .*first bad: the database file$/m);
    expect(verify.stdout).toMatch(/^ {2}SQLite integrity_check( stopped)?: .*malformed|^ {2}SQLite integrity_check: .*page/m);
    const quick = sockaudit(['verify', '--quick']);
    expect(quick.status).toBe(1);
    expect(quick.stdout).toMatch(/^ {2}SQLite quick_check( stopped)?: /m);

    // an unchanged snapshot never reads that index, and SQLite lets it land...
    expect(sockaudit(['snapshot', '--quiet']).status).toBe(0);
    // ...but one with a new owner process must look it up: SQLite trips over the page
    setCmdline(procRoot, 120, ['nginx', 'new-process']);
    const snapshot = sockaudit(['snapshot', '--quiet']);
    expect(snapshot.status).toBe(2);
    expect(oneLine(snapshot.stderr)).toMatch(/^sockaudit: the database is damaged \(database disk image is malformed, SQLITE_CORRUPT.*\): run `sockaudit verify`/);
    expect(sqliteRows(db, 'select count(*) as n from snapshots')).toEqual([{ n: 4 }]);
    // and every 32nd snapshot checks the whole file first, changed or not
    setCmdline(procRoot, 120, ['nginx', 'step-2']);
    const raw = new BetterSqlite3(db);
    raw.prepare("update sqlite_sequence set seq = 31 where name = 'snapshots'").run();
    raw.close();
    const checked = sockaudit(['snapshot', '--quiet']);
    expect(checked.status).toBe(2);
    expect(oneLine(checked.stderr)).toMatch(/^sockaudit: the database .* is damaged \(SQLite quick_check.*\); nothing was stored: run `sockaudit verify`/);
    expect(sqliteRows(db, 'select count(*) as n from snapshots')).toEqual([{ n: 4 }]);
    // the snapshots do not depend on that index: each still reads back
    for (const id of [1, 2, 3, 4]) expect(sockaudit(['show', String(id), '--json']).status).toBe(0);
  });

  it('damaged rows are all reported, none thrown: a stored version, warnings and namespaces JSON', () => {
    snapshots(5);
    const raw = new BetterSqlite3(db);
    raw.prepare("update socket_versions set content = '[1]' where id = (select min(id) from socket_versions where opened_in = 2)").run();
    raw.prepare("update snapshots set warnings = '{not json' where id = 3").run();
    raw.prepare("update snapshots set namespaces = '[1, 2]' where id = 4").run();
    raw.close();
    const verify = sockaudit(['verify']);
    expect(verify.status, verify.stderr).toBe(1);
    expect(verify.stderr).toBe('');
    expect(verify.stdout).toMatch(/^verify failed: \d+ problems \(5 snapshots of 1 host checked\); first bad: snapshot 2 of host edge-host$/m);
    expect(verify.stdout).toMatch(/socket version \d+ \(opened in snapshot 2\) is damaged: its content cannot be read/);
    expect(verify.stdout).toMatch(/snapshot 3 is damaged: its warnings are not valid JSON/);
    expect(verify.stdout).toMatch(/snapshot 4 is damaged: its namespaces are not a list of namespaces/);
    // snapshots 1 and 5 are named by nothing
    expect(verify.stdout).not.toMatch(/snapshot [15]\b/);
    const json = JSON.parse(sockaudit(['verify', '--json']).stdout) as { ok: boolean; problems: { snapshotId: number | null }[] };
    expect(json.ok).toBe(false);
    expect(new Set(json.problems.map((problem) => problem.snapshotId))).toEqual(new Set([2, 3, 4]));
  });

  it('a database truncated to 0 bytes is an error, never re-initialised', () => {
    snapshots(2);
    fs.truncateSync(db, 0);
    const verify = sockaudit(['verify']);
    expect(verify.status).toBe(1);
    expect(verify.stdout).toMatch(/^verify failed: the database file is damaged\n {2}the database .* is empty \(0 bytes\) but its witness records snapshot #2 of host edge-host: it was truncated/);
    for (const command of [['snapshot'], ['list'], ['prune', '--keep', '1']]) {
      const run = sockaudit(command);
      expect(run.status, command.join(' ')).toBe(2);
      expect(oneLine(run.stderr)).toMatch(/^sockaudit: the database .* is empty \(0 bytes\) but its witness records snapshot #2/);
    }
    expect(fs.statSync(db).size).toBe(0);
  });

  it('a file that is not an SQLite database is refused by every command, and verify calls it damage', () => {
    fs.writeFileSync(db, 'these are someone\'s notes\n'.repeat(100), { mode: 0o600 });
    const before = fs.readFileSync(db);
    const snapshot = sockaudit(['snapshot']);
    expect(snapshot.status).toBe(2);
    expect(oneLine(snapshot.stderr)).toBe(`sockaudit: ${db} is not an SQLite database (its first bytes are not SQLite's header); sockaudit will not use or overwrite it`);
    expect(sockaudit(['verify']).status).toBe(1);
    expect(fs.readFileSync(db).equals(before)).toBe(true);
    expect(fs.existsSync(`${db}-wal`)).toBe(false);
  });

  it('a header whose format numbers are out of range ("unsupported file format" to SQLite) is damage: verify exits 1, the others 2', () => {
    snapshots(2);
    const damaged = fs.readFileSync(db);
    damaged.writeUInt32BE(9, 44); // the schema format number: 1 to 4
    fs.writeFileSync(db, damaged);
    const verify = sockaudit(['verify']);
    expect(verify.status, verify.stderr).toBe(1);
    expect(verify.stdout).toMatch(/^verify failed: the database file is damaged\n {2}the database is damaged \(unsupported file format, SQLITE_ERROR\)/);
    for (const command of [['snapshot'], ['list'], ['show', '1']]) {
      const run = sockaudit(command);
      expect(run.status, command.join(' ')).toBe(2);
      expect(oneLine(run.stderr)).toMatch(/^sockaudit: the database is damaged \(unsupported file format, SQLITE_ERROR\): run `sockaudit verify`/);
    }
  });

  it('random 64-byte overwrites of a database of 20 snapshots: verify never exits 0 on a malformed file', () => {
    snapshots(20);
    const pristine = fs.readFileSync(db);
    expect(fs.existsSync(`${db}-wal`)).toBe(false); // checkpointed: every byte is in the main file
    const seed = Number(process.env.SOCKAUDIT_FAULT_SEED ?? Date.now() % 1_000_000);
    let state = seed;
    const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    // more with SOCKAUDIT_FAULT_ROUNDS=200 (and a failing SOCKAUDIT_FAULT_SEED to replay one)
    const rounds = Number(process.env.SOCKAUDIT_FAULT_ROUNDS ?? 16);
    const outcomes = { malformed: 0, alteredIntact: 0, unchanged: 0 };
    for (let round = 0; round < rounds; round++) {
      const damaged = Buffer.from(pristine);
      const offset = Math.floor(random() * (damaged.length - 64));
      for (let index = 0; index < 64; index++) damaged[offset + index] = Math.floor(random() * 256);
      fs.writeFileSync(db, damaged);
      fs.rmSync(path.join(dir, 'sockaudit.db.witness'), { force: true }); // the file alone
      let intact: boolean;
      try {
        intact = (sqliteRows(db, 'pragma integrity_check') as { integrity_check: string }[]).every((row) => row.integrity_check === 'ok');
      } catch {
        intact = false;
      }
      const verify = sockaudit(['verify']);
      const context = `seed ${seed}, round ${round}, offset ${offset}: ${verify.stdout}${verify.stderr}`;
      if (!intact) {
        expect(verify.status, context).toBe(1);
        outcomes.malformed++;
      } else {
        // SQLite finds nothing wrong: verify may still find altered content (exit 1), never an error
        expect([0, 1], context).toContain(verify.status);
        if (verify.status === 1) outcomes.alteredIntact++;
        else outcomes.unchanged++;
      }
      expect(verify.stdout, context).not.toMatch(/unexpected error/);
    }
    expect(outcomes.malformed + outcomes.alteredIntact + outcomes.unchanged).toBe(rounds);
  }, 120_000);
});

describe.skipIf(!built)('lost snapshots are detected, and ids never reused (built CLI)', () => {
  it('a backup of the file alone restored: verify and snapshot say which snapshot is missing; --accept-loss records it and ids go on above', () => {
    snapshots(3);
    const backup = path.join(dir, 'backup.db');
    fs.copyFileSync(db, backup);
    const later = snapshots(2, 3);
    expect(later).toEqual([4, 5]);
    const { hash } = (sqliteRows(db, 'select content_hash as hash from snapshots where id = 5') as { hash: string }[])[0]!;
    fs.copyFileSync(backup, db);

    const verify = sockaudit(['verify']);
    expect(verify.status).toBe(1);
    expect(verify.stdout).toMatch(new RegExp(`the database is behind its witness: snapshot #5 of host edge-host \\(hash ${hash.slice(0, 16)}…\\) is missing`));
    const snapshot = sockaudit(['snapshot']);
    expect(snapshot.status).toBe(1);
    expect(oneLine(snapshot.stderr)).toMatch(
      /^sockaudit: the database is behind its witness: snapshot #5 of host edge-host \(hash [0-9a-f]{16}…\) is missing; nothing was stored: run `sockaudit verify`, and `sockaudit snapshot --accept-loss`/,
    );
    expect(sqliteRows(db, 'select max(id) as id from snapshots')).toEqual([{ id: 3 }]);

    const accepted = sockaudit(['snapshot', '--accept-loss', '--json']);
    expect(accepted.status, accepted.stderr).toBe(0);
    const stored = JSON.parse(accepted.stdout) as { id: number; warnings: { code: string; message: string }[] };
    expect(stored.id).toBe(6); // never 4: `show 4` named another snapshot before
    expect(stored.warnings).toContainEqual(expect.objectContaining({ code: 'history-lost', message: expect.stringMatching(/snapshot #5 of host edge-host .* is missing \(accepted with --accept-loss\)/) }));
    verifies();
    expect(snapshots(1, 9)).toEqual([7]);
    verifies();
  });

  it('a deleted WAL: the commits in it are reported missing', () => {
    snapshots(2);
    // a reader holding the database keeps the next runs from checkpointing their log on exit
    const reader = new BetterSqlite3(db, { readonly: true });
    reader.prepare('select count(*) from snapshots').get();
    snapshots(2, 2);
    expect(fs.statSync(`${db}-wal`).size).toBeGreaterThan(0);
    fs.rmSync(`${db}-wal`);
    fs.rmSync(`${db}-shm`);
    reader.close();
    const verify = sockaudit(['verify']);
    expect(verify.status, verify.stdout).toBe(1);
    expect(verify.stdout).toMatch(/the database is behind its witness: snapshot #4 of host edge-host \(hash [0-9a-f]{16}…\) is missing/);
    expect(sqliteRows(db, 'select id from snapshots order by id')).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('says what it compared against: no witness, an older witness, one after prune, two hosts', () => {
    snapshots(2);
    const witness = `${db}.witness`;
    expect(fs.statSync(witness).mode & 0o777).toBe(0o600);
    const old = fs.readFileSync(witness);
    snapshots(2, 2);
    fs.rmSync(witness);
    let verify = sockaudit(['verify']);
    expect(verify.status).toBe(0);
    expect(verify.stdout).toMatch(/^witness: none at .*sockaudit\.db\.witness; snapshots lost from the database cannot be detected/m);
    fs.writeFileSync(witness, old, { mode: 0o600 });
    verify = sockaudit(['verify']);
    expect(verify.status).toBe(0);
    expect(verify.stdout).toMatch(/^witness: the witness is older than the database: it names snapshot #2 of host edge-host .*, the database goes on to #4$/m);
    expect(sockaudit(['prune', '--keep', '1']).status).toBe(0);
    verify = sockaudit(['verify']);
    expect(verify.status).toBe(0);
    expect(verify.stdout).toMatch(/^witness: the witness names snapshot #2 .* older than the oldest kept snapshot #4: nothing to compare$/m);
    // another host in the same database: each has its head
    expect(sockaudit(['snapshot', '--host', 'other']).status).toBe(0);
    expect(sockaudit(['snapshot']).status).toBe(0);
    verify = sockaudit(['verify']);
    expect(verify.status, verify.stdout).toBe(0);
    expect(verify.stdout).toMatch(/^witness: snapshot #6 of host edge-host .* is the newest, as the witness says$/m);
    expect(verify.stdout).toMatch(/^witness: snapshot #5 of host other .* is the newest, as the witness says$/m);
  });

  it('a witness that is not one is reported, not trusted, and never hangs', () => {
    snapshots(1);
    const witness = `${db}.witness`;
    fs.writeFileSync(witness, '{"format":"sockaudit-witness-1","writtenAt":"x","heads":[]}');
    let verify = sockaudit(['verify']);
    expect(verify.status).toBe(1);
    expect(verify.stdout).toMatch(/the witness .* is not a valid witness \(writtenAt is not a time\)/);
    const snapshot = sockaudit(['snapshot']);
    expect(snapshot.status).toBe(2);
    expect(oneLine(snapshot.stderr)).toMatch(/^sockaudit: the witness .* is not a valid witness/);
    // a hostile host name reaches the terminal escaped (the one escaping rule), on one line
    fs.writeFileSync(witness, JSON.stringify({ format: 'sockaudit-witness-1', writtenAt: new Date().toISOString(), heads: [{ host: 'evil\n\u001b[31mok', id: 99, hash: 'b'.repeat(64) }] }));
    verify = sockaudit(['verify']);
    expect(verify.status).toBe(1);
    expect(verify.stdout).toMatch(/^ {2}the database is behind its witness: snapshot #99 of host evil\\n\\x1b\[31mok \(hash b{16}…\) is missing$/m);
    expect(verify.stdout).not.toMatch(/\u001b/);
    fs.rmSync(witness);
    execFileSync('mkfifo', [witness]);
    verify = sockaudit(['verify']);
    expect(verify.status).toBe(1);
    expect(verify.stdout).toMatch(/the witness .* is not a regular file; it is not read/);
    fs.rmSync(witness);
    fs.symlinkSync('/etc/passwd', witness);
    expect(sockaudit(['verify']).stdout).toMatch(/the witness .* is a symbolic link; it is not read/);
    fs.rmSync(witness);
    fs.writeFileSync(witness, Buffer.alloc(5 * 1024 * 1024, 0x20));
    expect(sockaudit(['verify']).stdout).toMatch(/the witness .* is 5242880 bytes, more than a witness can be/);
  });
});

describe.skipIf(!built)('foreign, empty and non-regular databases (built CLI)', () => {
  it('an SQLite file of another program is refused, never given sockaudit tables', () => {
    const raw = new BetterSqlite3(db);
    raw.exec('create table accounts (id integer primary key, name text); insert into accounts (name) values (\'a\')');
    raw.close();
    const before = fs.readFileSync(db);
    for (const command of [['snapshot'], ['list'], ['verify'], ['prune', '--keep', '1']]) {
      const run = sockaudit(command);
      expect(run.status, command.join(' ')).toBe(2);
      expect(oneLine(run.stderr)).toBe(`sockaudit: ${db} is an SQLite database of another program (tables: accounts); sockaudit will not add its tables to it`);
    }
    expect(fs.readFileSync(db).equals(before)).toBe(true);
    expect(sqliteRows(db, "select name from sqlite_master where type = 'table'")).toEqual([{ name: 'accounts' }]);
  });

  it('a pre-existing empty file (no witness) becomes a 0600 database', () => {
    fs.writeFileSync(db, '', { mode: 0o644 });
    fs.chmodSync(db, 0o644);
    const list = sockaudit(['list']);
    expect(list.status).toBe(2);
    expect(oneLine(list.stderr)).toMatch(/is an empty file: nothing is stored yet/);
    expect(sockaudit(['snapshot']).status).toBe(0);
    expect(fs.statSync(db).mode & 0o777).toBe(0o600);
    verifies();
  });

  it('--db "" is an error; /dev/null, a directory and a FIFO are refused without side files', () => {
    const empty = runCli(['snapshot', '--db', '', '--proc-root', procRoot]);
    expect(empty.status).toBe(2);
    expect(oneLine(empty.stderr)).toBe('sockaudit: --db: expected a database path, got an empty string; see sockaudit snapshot --help');
    const journal = fs.statSync('/dev/null-journal', { throwIfNoEntry: false });
    const fifo = path.join(dir, 'fifo.db');
    execFileSync('mkfifo', [fifo]);
    for (const [target, kind] of [['/dev/null', 'a character device'], [dir, 'a directory'], [fifo, 'a FIFO']] as const) {
      for (const command of ['snapshot', 'list', 'verify']) {
        const run = runCli([command, '--db', target, '--proc-root', procRoot]);
        expect(run.status, `${command} ${target}`).toBe(2);
        expect(oneLine(run.stderr)).toBe(`sockaudit: ${target} is not a regular file (${kind}); the database must be a regular file`);
      }
    }
    // whatever an older version may have left there, this one changed nothing
    expect(fs.statSync('/dev/null-journal', { throwIfNoEntry: false })?.mtimeMs).toBe(journal?.mtimeMs);
    expect(fs.readdirSync(dir).filter((name) => name.startsWith('fifo.db')).sort()).toEqual(['fifo.db']);
  });

  it('a schema newer than this program is named by reading commands too', () => {
    snapshots(1);
    const raw = new BetterSqlite3(db);
    raw.prepare("insert into kysely_migration (name, timestamp) values ('0099-from-the-future', '2030-01-01')").run();
    raw.close();
    const list = sockaudit(['list']);
    expect(list.status).toBe(2);
    expect(oneLine(list.stderr)).toMatch(/was written by a newer sockaudit \(schema 0099-from-the-future\).*upgrade sockaudit$/);
  });
});

/** Every command that only reads; check's baseline is written beside the database by baselineFor. */
function readingCommands(baseline: string): string[][] {
  return [['list'], ['show'], ['diff', '1', '2'], ['listening', 'latest'], ['baseline', 'create', 'latest'], ['check', 'latest', '--baseline', baseline], ['history', '--port', '22'], ['verify']];
}

/** A baseline of the latest snapshot, in dir, for `check`. */
function baselineFor(): string {
  const file = path.join(dir, 'baseline.json');
  const run = sockaudit(['baseline', 'create', 'latest']);
  expect(run.status, run.stderr).toBe(0);
  fs.writeFileSync(file, run.stdout);
  return file;
}

describe.skipIf(!built || !IS_ROOT)('read-only databases, as another user (skipped unless root: needs useradd and chown)', () => {
  const user = `sait${process.pid}`;
  let uid: number;
  let gid: number;
  beforeAll(() => {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user]);
    uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
    gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
  });
  afterAll(() => {
    spawnSync('userdel', [user]);
  });

  /** The database and everything under dir handed to the user, the tree readable by them. */
  function handOver(): void {
    fs.chmodSync(dir, 0o755);
    execFileSync('chown', ['-R', `${uid}:${gid}`, dir]);
  }

  function readsAll(baseline: string): void {
    for (const command of readingCommands(baseline)) {
      const run = sockaudit(command, { uid, gid });
      expect(run.status, `${command.join(' ')}: ${run.stderr}`).toBe(0);
      expect(run.stderr, command.join(' ')).not.toMatch(/sockaudit: /);
    }
  }

  it('a 0400 file: every reading command works; snapshot says it is not writable', () => {
    snapshots(2);
    const baseline = baselineFor();
    handOver();
    fs.chmodSync(db, 0o400);
    fs.chmodSync(`${db}.witness`, 0o400);
    readsAll(baseline);
    const snapshot = sockaudit(['snapshot'], { uid, gid });
    expect(snapshot.status).toBe(2);
    expect(oneLine(snapshot.stderr)).toBe(`sockaudit: the database ${db} exists but is not writable by this user (uid ${uid})`);
    fs.chmodSync(db, 0o600);
    verifies();
  });

  it('a read-only directory: every reading command works (the WAL database is opened immutable); snapshot says why not', () => {
    snapshots(2);
    const baseline = baselineFor();
    // a read-only open leaves SQLite's (empty) log and shared memory behind; without them
    // and without a directory to create them in, the user's reads need `immutable`
    expect(fs.statSync(`${db}-wal`).size).toBe(0);
    fs.rmSync(`${db}-wal`);
    fs.rmSync(`${db}-shm`);
    handOver();
    fs.chmodSync(dir, 0o555);
    readsAll(baseline);
    expect(fs.existsSync(`${db}-shm`)).toBe(false);
    const snapshot = sockaudit(['snapshot'], { uid, gid });
    expect(snapshot.status).toBe(2);
    expect(oneLine(snapshot.stderr)).toBe(`sockaudit: the directory of the database, ${dir}, is not writable by this user (uid ${uid}); SQLite creates its journal there`);
    fs.chmodSync(dir, 0o755);
    verifies();
  });

  it('a read-only directory whose WAL holds commits the user cannot read: refused, saying why', () => {
    snapshots(1);
    // a reader holding the database keeps the next run from checkpointing its log on exit
    const reader = new BetterSqlite3(db, { readonly: true });
    try {
      reader.prepare('select count(*) from snapshots').get();
      snapshots(1, 1);
      expect(fs.statSync(`${db}-wal`).size).toBeGreaterThan(0);
      handOver();
      fs.chmodSync(`${db}-shm`, 0o600);
      execFileSync('chown', ['0:0', `${db}-shm`]);
      fs.chmodSync(dir, 0o555);
      const list = sockaudit(['list'], { uid, gid });
      expect(list.status).toBe(2);
      expect(oneLine(list.stderr)).toMatch(/^sockaudit: cannot read the database .*: its write-ahead log \(.*-wal\) holds commits that only a process that may write the directory can read/);
    } finally {
      reader.close();
      fs.chmodSync(dir, 0o755);
    }
  });

  it('an unreadable file and an unsearchable directory each say so', () => {
    snapshots(1);
    fs.chmodSync(dir, 0o755);
    fs.chmodSync(db, 0o600); // root's, not the user's
    let list = sockaudit(['list'], { uid, gid });
    expect(list.status).toBe(2);
    expect(oneLine(list.stderr)).toBe(`sockaudit: the database ${db} exists but is not readable by this user (uid ${uid})`);
    fs.chmodSync(dir, 0o700);
    list = sockaudit(['list'], { uid, gid });
    expect(list.status).toBe(2);
    expect(oneLine(list.stderr)).toBe(`sockaudit: cannot look for the database ${db}: permission denied on a directory above it (uid ${uid})`);
  });
});

describe.skipIf(!built || !IS_ROOT)('a read-only mount (skipped unless root: needs mount --bind)', () => {
  let mountPoint: string | null = null;
  afterEach(() => {
    if (mountPoint !== null) spawnSync('umount', [mountPoint]);
    mountPoint = null;
  });

  it('every reading command works on a read-only bind mount; snapshot says the file system is read-only', () => {
    snapshots(2);
    baselineFor();
    const source = dir;
    mountPoint = makeTempDir('sockaudit-ro-');
    execFileSync('mount', ['--bind', '-o', 'ro', source, mountPoint]);
    try {
      const mounted = path.join(mountPoint, 'sockaudit.db');
      const tree = path.join(mountPoint, 'edge-cases');
      for (const command of readingCommands(path.join(mountPoint, 'baseline.json'))) {
        const run = runCli([...command, '--db', mounted, '--proc-root', tree]);
        expect(run.status, `${command.join(' ')}: ${run.stderr}`).toBe(0);
      }
      const snapshot = runCli(['snapshot', '--db', mounted, '--proc-root', tree]);
      expect(snapshot.status).toBe(2);
      expect(oneLine(snapshot.stderr)).toBe(`sockaudit: the database ${mounted} is on a read-only file system`);
    } finally {
      spawnSync('umount', [mountPoint]);
      fs.rmdirSync(mountPoint);
      mountPoint = null;
    }
    verifies();
  });
});

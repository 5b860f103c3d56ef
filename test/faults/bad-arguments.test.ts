/**
 * Fault injection: every bad argument a user can type is one line on stderr and exit 2,
 * never "unexpected error" and never commander's help dump; the snapshots stored before
 * still verify. Also: the common options before the command, and prune on a full disk.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IS_ROOT, makeTempDir, runCli } from '../helpers/live.js';

const FIXTURE = 'fixtures/proc/edge-cases';
const HOST = 'edge-host';
const dir = makeTempDir('sockaudit-bad-args-');
const db = path.join(dir, 'stored.db');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  for (let i = 0; i < 2; i++) expect(runCli(['snapshot', '--quiet', '--db', db, '--proc-root', FIXTURE]).status).toBe(0);
});

/** Runs the CLI and checks the usage-error contract: exit 2, exactly one stderr line, matching `line`. */
function expectOneLineError(args: string[], line: RegExp): void {
  const result = runCli(args);
  expect(result.status, `${args.join(' ')}: ${result.stderr}`).toBe(2);
  expect(result.stderr, args.join(' ')).not.toMatch(/unexpected error/);
  expect(result.stderr.split('\n'), args.join(' ')).toHaveLength(2); // one line and its newline
  expect(result.stderr.trimEnd(), args.join(' ')).toMatch(line);
}

const store = ['--db', db, '--host', HOST];

describe('exact errors for bad arguments (exit 2, one line)', () => {
  it.each([
    [['show', '99999999999d', ...store], /^sockaudit: snapshot selector "99999999999d": too far back \(.*\); see sockaudit show --help$/],
    [['diff', '99999999999d', ...store], /^sockaudit: snapshot selector "99999999999d": too far back \(.*\); see sockaudit diff --help$/],
    [['prune', '--older-than', '99999999999d', ...store], /^sockaudit: --older-than "99999999999d": too far back \(.*\); see sockaudit prune --help$/],
    [['list', '--limit', '99999999999999999999', ...store], /^sockaudit: --limit: expected a whole number from 1 to 9007199254740991, got "99999999999999999999"; see sockaudit list --help$/],
    [['prune', '--keep', '0', ...store], /^sockaudit: --keep: expected a whole number from 1 to 9007199254740991 \(the newest snapshot is always kept\), got "0"; see sockaudit prune --help$/],
    [['show', '99999999999999999999', ...store], /^sockaudit: snapshot selector "99999999999999999999": no snapshot id is that large/],
    [['show', '2026-02-30', ...store], /^sockaudit: snapshot selector "2026-02-30" is not a valid date: day 30 of February 2026 does not exist; see sockaudit show --help$/],
    [['show', '2026-13-01', ...store], /^sockaudit: snapshot selector "2026-13-01" is not a valid date: month 13 does not exist/],
    [['diff', '2025-02-29T10:00Z', 'latest', ...store], /^sockaudit: snapshot selector "2025-02-29T10:00Z" is not a valid date: day 29 of February 2025 does not exist/],
    [['show', '2026-01-01T24:00', ...store], /is not a valid date: hour 24 does not exist/],
    [['show', '--state', 'BOGUS', ...store], /^sockaudit: --state: unknown state "BOGUS" \(valid: .*\bESTABLISHED\b.*\bLISTEN\b.*\bUNCONN\b.*\); see sockaudit show --help$/],
    [['diff', '--state', ',', ...store], /^sockaudit: --state: no state given \(valid: .*LISTEN.*\); see sockaudit diff --help$/],
    [['show', '--netns', 'nosuch', ...store], /^sockaudit: --netns: no network namespace "nosuch" in snapshot 2 \(it has: host \(4026531840\), .*\); see sockaudit show --help$/],
    [['diff', '--netns', 'nosuch', ...store], /^sockaudit: --netns: no network namespace "nosuch" in snapshots 1 and 2 \(it has: host \(4026531840\).*\)/],
    [['collect', '--netns', 'nosuch', '--proc-root', FIXTURE], /^sockaudit: --netns: no network namespace "nosuch" in the namespaces of fixtures\/proc\/edge-cases \(it has: host/],
    [['show', '--family', '', ...store], /^sockaudit: --family: no family given \(valid: tcp, udp, udplite, raw, icmp, unix, packet, netlink, sctp; add 4 or 6 for one IP version\); see sockaudit show --help$/],
    [['show', '--family', ',,,', ...store], /^sockaudit: --family: no family given \(valid: tcp, .*\)/],
    [['collect', '--family', 'tcp,bogus', '--proc-root', FIXTURE], /^sockaudit: --family: unknown family "bogus" \(valid: tcp, .*\); see sockaudit collect --help$/],
    // commander's own errors, in the same voice and with the same hint
    [['show', '--bogus', ...store], /^sockaudit: unknown option '--bogus'; see sockaudit show --help$/],
    [['nosuch'], /^sockaudit: unknown command 'nosuch'; see sockaudit --help$/],
    [['snapshot', 'extra', ...store], /^sockaudit: too many arguments for 'snapshot'\. Expected 0 arguments but got 1; see sockaudit snapshot --help$/],
    [['check', ...store], /^sockaudit: required option '--baseline <file>' not specified; see sockaudit check --help$/],
    [['list', '--limit'], /^sockaudit: option '--limit <n>' argument missing; see sockaudit list --help$/],
    // a missing command or subcommand: one line, not the 34-line help on stderr
    [[], /^sockaudit: no command given \(one of: collect, snapshot, .*\); see sockaudit --help$/],
    [['baseline'], /^sockaudit: no subcommand given for baseline \(one of: create\); see sockaudit baseline --help$/],
  ])('%j', (args, line) => {
    expectOneLineError(args, line);
  });

  it('leaves the stored snapshots intact and verifiable', () => {
    const verify = runCli(['verify', '--db', db]);
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^ok: 2 snapshots of 1 host verified/);
  });

  it('--debug shows the stack of a usage error instead of the one line', () => {
    const result = runCli(['show', '99999999999d', '--debug', ...store]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^UsageError: snapshot selector "99999999999d": too far back/m);
    expect(result.stderr).toMatch(/\n\s+at /);
  });
});

describe('common options before the command', () => {
  it('sockaudit --db X snapshot stores into X; list finds it with --db and --host before the command', () => {
    const before = path.join(dir, 'before.db');
    const snapshot = runCli(['--db', before, '--proc-root', FIXTURE, 'snapshot', '--quiet']);
    expect(snapshot.status, snapshot.stderr).toBe(0);
    expect(fs.existsSync(before)).toBe(true);
    const list = runCli(['--db', before, '--host', HOST, '--no-color', 'list', '--json']);
    expect(list.status, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as unknown[]).length).toBe(1);
  });

  it('the command\'s own value wins when an option is given in both places', () => {
    const elsewhere = path.join(dir, 'never-created.db');
    const list = runCli(['--db', elsewhere, 'list', '--db', db, '--host', HOST, '--json']);
    expect(list.status, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as unknown[]).length).toBe(2);
    expect(fs.existsSync(elsewhere)).toBe(false);
  });

  it('--debug before the command turns on stack traces', () => {
    const result = runCli(['--debug', 'show', '2026-02-30', ...store]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^UsageError: snapshot selector "2026-02-30" is not a valid date/m);
  });
});

/** A tmpfs of `size` mounted at a new directory; unmounted by the returned function. */
function mountTmpfs(size: string): { mount: string; unmount: () => void } {
  const mount = fs.mkdtempSync(path.join(dir, 'full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mount]);
  return {
    mount,
    unmount: () => {
      execFileSync('umount', [mount]);
      fs.rmdirSync(mount);
    },
  };
}

/** Fills the filesystem of `mount` with a file until only `leaveBytes` (rounded to 4 KiB) are free. */
function fill(mount: string, leaveBytes: number): string {
  const filler = path.join(mount, 'filler');
  const stats = fs.statfsSync(mount);
  const bytes = Math.max(0, stats.bavail * stats.bsize - leaveBytes);
  const fd = fs.openSync(filler, 'w');
  const block = Buffer.alloc(64 * 1024);
  try {
    for (let written = 0; ; ) {
      const want = leaveBytes === 0 ? block.length : Math.min(block.length, bytes - written);
      if (want <= 0) break;
      try {
        written += fs.writeSync(fd, block, 0, want);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw error;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return filler;
}

describe.skipIf(!IS_ROOT)('prune on a full disk (skipped unless root: mounts a small tmpfs)', () => {
  const snapshots = (database: string) => {
    for (let i = 0; i < 12; i++) expect(runCli(['snapshot', '--quiet', '--db', database, '--proc-root', 'fixtures/proc/sockload-1k']).status).toBe(0);
  };

  it('a disk with no byte free: prune says exactly why it cannot; nothing is lost', () => {
    const { mount, unmount } = mountTmpfs('3m');
    try {
      const database = path.join(mount, 's.db');
      snapshots(database);
      const filler = fill(mount, 0);
      expectOneLineError(
        ['prune', '--keep', '1', '--db', database, '--host', 'vm'],
        new RegExp(`^sockaudit: prune cannot free space: the filesystem holding ${database} is full \\(\\d+ bytes free\\); SQLite must write the deletions to its WAL .* free some space there first .*then run prune again \\(.*\\)$`),
      );
      fs.rmSync(filler);
      const verify = runCli(['verify', '--db', database]);
      expect(verify.status, verify.stderr).toBe(0);
      expect(verify.stdout).toMatch(/^ok: 12 snapshots/);
    } finally {
      unmount();
    }
  });

  it('a nearly full disk: prune deletes, checkpoints and truncates the WAL, and the rest verifies', () => {
    const { mount, unmount } = mountTmpfs('3m');
    try {
      const database = path.join(mount, 's.db');
      snapshots(database);
      fill(mount, 400 * 1024);
      const prune = runCli(['prune', '--keep', '1', '--db', database, '--host', 'vm']);
      expect(prune.status, prune.stderr).toBe(0);
      expect(prune.stdout).toMatch(/^pruned 11 snapshots of vm/);
      // the WAL holds nothing once prune is done: gone (last connection closed) or empty
      const wal = `${database}-wal`;
      expect(fs.existsSync(wal) ? fs.statSync(wal).size : 0).toBe(0);
      const verify = runCli(['verify', '--db', database]);
      expect(verify.status, verify.stderr).toBe(0);
      expect(verify.stdout).toMatch(/^ok: 1 snapshot/);
    } finally {
      unmount();
    }
  });
});

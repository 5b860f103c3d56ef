import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiffResult, SnapshotRef } from '../../src/diff/diff-result.js';
import { reportNotes } from '../../src/diff/report-notes.js';
import { SECTION_TITLES } from '../../src/diff/diff-result.js';
import { sectionOf } from '../../src/diff/section.js';
import type { SocketRecord } from '../../src/model/socket-record.js';
import { LISTENING_GROUPS } from '../../src/review/listening-report.js';
import { hasCommand, IS_ROOT, makeTempDir, REPO_ROOT, runCli } from '../helpers/live.js';
import { outputLines, unsafeCharacters } from '../helpers/terminal-safety.js';

/**
 * Live (issue 10, part 1): an unprivileged user starts a process whose comm, argv, exe path
 * and unix socket path carry terminal escape sequences, a newline that forges a whole
 * `FAKE tcp LISTEN 0.0.0.0:22` record, and a bidi override; snapshots go to a temp database
 * under a hostile --host name and label. Every command and human-readable format must then
 * print no control character but the newline ending each line (and our own colours, off
 * here), no C1, format or bidi character, and exactly the lines its records and headers
 * make, while the JSON and the database keep the real bytes.
 */

const PYTHON = ['/usr/bin/python3', '/usr/local/bin/python3'].find((candidate) => fs.existsSync(candidate));
const skipReason = !IS_ROOT
  ? 'not root: useradd and running a process as another user need root'
  : !hasCommand('useradd') || !hasCommand('userdel')
    ? 'useradd/userdel missing'
    : PYTHON === undefined
      ? 'no system python3 an unprivileged user may run'
      : null;

const FORGED = '\u001b[31mFAKE tcp LISTEN 0.0.0.0:22\u001b[0m';
const BIDI = '\u202e';
const HOST = `web\u001b]0;PWN\u0007\n${FORGED}${BIDI}`;
const LABEL = `pre\n${FORGED}\u0085${BIDI}`;
const USER = `saesc${process.pid}`;

/** A line that begins (after escapes or spaces) with the forged record: the attack worked. */
const FORGED_LINE = /^\s*(\u001b\[[0-9;]*m)?FAKE/;

function expectSafe(output: string, what: string): string[] {
  expect(unsafeCharacters(output, { patch: what.includes('unified') }), what).toEqual([]);
  const lines = outputLines(output);
  expect(lines.filter((line) => FORGED_LINE.test(line)), what).toEqual([]);
  return lines;
}

describe.skipIf(skipReason !== null)(`every human-readable output escapes hostile host text (live${skipReason === null ? '' : `; skipped: ${skipReason}`})`, () => {
  const dir = makeTempDir('sockaudit-escaping-');
  const userDir = path.join(dir, 'user');
  const db = path.join(dir, 'db', 'sockaudit.db');
  const baseline = path.join(dir, 'baseline.json');
  const unixPath = path.join(userDir, `x\n${FORGED}${BIDI}`);
  const exe = path.join(userDir, `py\n\u001b[2J${BIDI}`);
  let child: ChildProcessByStdio<Writable, Readable, null> | null = null;
  let pid = 0;
  let userAdded = false;
  let secondSnapshot: ReturnType<typeof runCli> | null = null;

  const cli = (...args: string[]) => runCli([...args, '--db', db, '--host', HOST]);

  beforeAll(async () => {
    const added = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', USER], { encoding: 'utf8' });
    if (added.status !== 0) throw new Error(`useradd ${USER}: ${added.stderr}`);
    userAdded = true;
    const uid = Number(spawnSync('id', ['-u', USER], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', USER], { encoding: 'utf8' }).stdout.trim());
    fs.chmodSync(dir, 0o755);
    fs.mkdirSync(userDir);
    fs.mkdirSync(path.dirname(db), { mode: 0o700 });
    // the user's own copy of python, so that /proc/PID/exe is a hostile path too
    fs.copyFileSync(fs.realpathSync(PYTHON!), exe);
    fs.copyFileSync(path.join(REPO_ROOT, 'test/helpers/hostile-process.py'), path.join(userDir, 'hostile.py'));
    fs.chmodSync(exe, 0o755);
    for (const file of [userDir, exe, path.join(userDir, 'hostile.py')]) fs.chownSync(file, uid, gid);

    // snapshot 1: before the hostile process
    expect(cli('snapshot', '--quiet').status).toBe(0);
    const started = spawn(exe, [path.join(userDir, 'hostile.py'), unixPath, `argv\n${FORGED}${BIDI}`, '--password', 'x\u001b[2J'], {
      uid,
      gid,
      cwd: userDir,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    child = started;
    const ready = await new Promise<string>((resolve, reject) => {
      readline.createInterface({ input: started.stdout }).once('line', resolve);
      started.once('exit', (code) => reject(new Error(`hostile process exited with ${code}`)));
    });
    expect(ready).toMatch(/^ready \d+$/);
    pid = started.pid!;
    // snapshot 2: with it, under a hostile label
    secondSnapshot = cli('snapshot', '--label', LABEL);
    expect(secondSnapshot.status).toBe(0);
    const created = runCli(['baseline', 'create', '1', '--db', db, '--host', HOST]);
    expect(created.status).toBe(0);
    fs.writeFileSync(baseline, created.stdout);
  }, 60_000);

  afterAll(async () => {
    if (child !== null && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.stdin.end();
      await exited;
    }
    if (userAdded) spawnSync('userdel', [USER]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the JSON and the database keep the real bytes', () => {
    const collected = JSON.parse(runCli(['collect', '--pid', String(pid), '--json']).stdout) as { sockets: SocketRecord[] };
    const stored = JSON.parse(cli('show', '2', '--pid', String(pid), '--json').stdout) as { sockets: SocketRecord[]; meta: { host: string } };
    for (const inventory of [collected, stored]) {
      const unix = inventory.sockets.find((socket) => socket.family === 'unix' && socket.path !== null);
      expect(unix?.path).toBe(unixPath);
      expect(unix?.owners[0]?.comm).toBe('\u001b]0;PWN\u0007\u001b[2J');
      expect(unix?.owners[0]?.exe).toBe(exe);
    }
    expect(stored.meta.host).toBe(HOST);
    const list = JSON.parse(cli('list', '--json').stdout) as { label: string | null }[];
    expect(list.map((row) => row.label)).toContain(LABEL);
  });

  it('snapshot: its one line, the label and host escaped; warnings one line each', () => {
    expect(expectSafe(secondSnapshot!.stdout, 'snapshot')).toHaveLength(1);
    expect(secondSnapshot!.stdout).toContain('@pre\\n\\x1b[31mFAKE');
    expect(expectSafe(secondSnapshot!.stderr, 'snapshot stderr').every((line) => line.startsWith('warning: '))).toBe(true);
  });

  it('collect and show: one line per socket plus the header; warnings one line each', () => {
    // the two listeners, and the unix socket pairs of its stdin and stdout (node's pipes)
    const json = JSON.parse(runCli(['collect', '--pid', String(pid), '--json']).stdout) as { sockets: SocketRecord[] };
    expect(json.sockets.filter((socket) => socket.state === 'LISTEN')).toHaveLength(2);
    const collect = runCli(['collect', '--pid', String(pid)]);
    expect(expectSafe(collect.stdout, 'collect')).toHaveLength(json.sockets.length + 1);
    expect(collect.stdout).toContain('\\x1b]0;PWN\\x07\\x1b[2J pid=');
    // (the Local cell may be cut at 80 columns: the temp directory's name is long)
    expect(collect.stdout).toContain('/user/x\\n\\x1b[31mFAKE tcp LISTEN');
    expect(expectSafe(collect.stderr, 'collect stderr').every((line) => line.startsWith('warning: '))).toBe(true);

    const stored = JSON.parse(cli('show', '2', '--pid', String(pid), '--json').stdout) as { sockets: SocketRecord[]; warnings: unknown[] };
    const show = cli('show', '2', '--pid', String(pid));
    expect(show.status).toBe(0);
    expect(expectSafe(show.stdout, 'show')).toHaveLength(stored.sockets.length + 1);
    expect(expectSafe(show.stderr, 'show stderr')).toHaveLength(1 + stored.warnings.length);
    expect(show.stderr).toContain('\\n\\x1b[31mFAKE');
  });

  it('listening: title, per group a blank, a title and a header, its members, then the findings', () => {
    const json = JSON.parse(cli('listening', '2', '--json').stdout) as { listeners: { group: string }[]; findings: unknown[] };
    const text = cli('listening', '2');
    expect(text.status).toBe(0);
    const groups = LISTENING_GROUPS.filter((group) => json.listeners.some((entry) => entry.group === group)).length;
    const expected = 1 + groups * 3 + json.listeners.length + (json.listeners.length === 0 ? 2 : 0) + 2 + Math.max(1, json.findings.length);
    expect(expectSafe(text.stdout, 'listening')).toHaveLength(expected);
    expect(text.stdout).toContain('\\u202e');
  });

  it('check against a baseline from before: a headline, one line per violation, then other findings', () => {
    const json = JSON.parse(cli('check', '--baseline', baseline, '2', '--json').stdout) as {
      violations: { message: string }[];
      findings: { accepted: boolean; severity: string }[];
    };
    expect(json.violations.some((violation) => violation.message.includes(exe))).toBe(true);
    const text = cli('check', '--baseline', baseline, '2');
    expect(text.status).toBe(1);
    const notes = json.findings.filter((finding) => finding.accepted || finding.severity !== 'high').length;
    expect(expectSafe(text.stdout, 'check')).toHaveLength(1 + json.violations.length + (notes > 0 ? 2 + notes : 0));
  });

  it('history --path and --exe: a title, a header, one line per period', () => {
    for (const filter of [['--path', unixPath], ['--exe', exe]]) {
      const json = JSON.parse(cli('history', ...filter, '--json').stdout) as { periods: unknown[] };
      expect(json.periods.length).toBeGreaterThanOrEqual(1);
      const text = cli('history', ...filter);
      expect(text.status).toBe(0);
      expect(expectSafe(text.stdout, `history ${filter[0]}`)).toHaveLength(json.periods.length + 2);
    }
  });

  it('list: a header and one line per snapshot, the hostile label escaped', () => {
    const text = cli('list');
    expect(text.status).toBe(0);
    expect(expectSafe(text.stdout, 'list')).toHaveLength(1 + 2);
    expect(text.stdout).toContain('pre\\n\\x1b[31mFAKE tcp LISTEN 0.0.0.0:22\\x1b[0m\\u0085\\u202e');
  });

  it('diff as text, markdown and unified: one line per change, per socket in the patch', () => {
    const filter = ['--pid', String(pid)];
    const json = JSON.parse(cli('diff', '1', '2', ...filter, '--format', 'json').stdout) as DiffResult & { from: SnapshotRef; to: SnapshotRef };
    // its unix listener opened, its TCP listener on a port the kernel picked counted as an
    // ephemeral listener (and the unix pairs of its stdin and stdout, as flows or sockets)
    expect(json.changes.filter((change) => change.kind === 'opened' && change.after?.state === 'LISTEN')).toHaveLength(1);
    expect(json.changes.filter((change) => change.flow?.direction === 'listening').map((change) => change.flow!.countAfter)).toEqual([1]);
    const notes = reportNotes(json, json.from, json.to).length;
    const flowSection = (direction: string) => (direction === 'local' ? 'unix' : direction === 'listening' ? 'bound' : 'connections');
    const sections = new Set(json.changes.map((change) => (change.kind === 'flow' ? flowSection(change.flow!.direction) : sectionOf((change.after ?? change.before)!)))).size;

    const text = cli('diff', '1', '2', ...filter);
    expect(text.status).toBe(1);
    const textLines = expectSafe(text.stdout, 'diff text');
    // header, summary, [blank, notes], sections (blank, title, lines), blank, summary again
    expect(textLines).toHaveLength(2 + (notes > 0 ? 1 + notes : 0) + sections * 2 + json.changes.length + 2);
    expect(textLines.filter((line) => Object.values(SECTION_TITLES).includes(line as never))).toHaveLength(sections);

    const markdown = cli('diff', '1', '2', ...filter, '--format', 'markdown');
    expect(markdown.status).toBe(1);
    const markdownLines = expectSafe(markdown.stdout, 'diff markdown');
    expect(markdownLines).toHaveLength(4 + (notes > 0 ? notes + 1 : 0) + json.changes.length + 3 + 1);
    for (const row of markdownLines.filter((line) => /^\| [-+~!] \|/.test(line))) {
      expect(row.replace(/\\\\/g, '').replace(/\\\|/g, '').split('|')).toHaveLength(7);
    }

    const unified = cli('diff', '1', '2', ...filter, '--format', 'unified');
    expect(unified.status).toBe(1);
    const unifiedLines = expectSafe(unified.stdout, 'diff unified');
    expect(unifiedLines.filter((line) => line.startsWith('# warning: '))).toHaveLength(notes);
    const added = unifiedLines.filter((line) => line.startsWith('+') && !line.startsWith('+++ '));
    const socketsAfter = (JSON.parse(cli('show', '2', ...filter, '--json').stdout) as { sockets: unknown[] }).sockets.length;
    expect(added).toHaveLength(socketsAfter);
    const structural = unifiedLines.filter((line) => /^(# warning: |Index: |={10,}$|--- |\+\+\+ |@@ )/.test(line));
    expect(structural.length + added.length).toBe(unifiedLines.length);
  });

  it('an error that quotes what was typed stays one escaped line', () => {
    const result = cli('show', `@no-such\n${FORGED}`);
    expect(result.status).toBe(2);
    expect(expectSafe(result.stderr, 'error')).toHaveLength(1);
  });
});

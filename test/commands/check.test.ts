import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, runCli } from '../helpers/live.js';
import { expectGolden, normalizeRun } from '../review/golden.js';
import { reviewFixture } from '../review/review-fixtures.js';

const dir = makeTempDir('sockaudit-check-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const env = { XDG_DATA_HOME: dir, SOCKAUDIT_DB: path.join(dir, 'none.db') };
const baselineFile = path.join(dir, 'clean-baseline.json');
const clean = ['--proc-root', reviewFixture('clean-host')];
const drifted = ['--proc-root', reviewFixture('drifted-host')];

describe('sockaudit baseline create and check (built CLI, fixture trees)', () => {
  it('baseline create prints a baseline that check of the same host passes', () => {
    const created = runCli(['baseline', 'create', ...clean], { env });
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    fs.writeFileSync(baselineFile, created.stdout);
    expectGolden('baseline-clean-host.json', normalizeRun(created.stdout));
    const check = runCli(['check', '--baseline', baselineFile, ...clean], { env });
    expect(check.status).toBe(0);
    expect(check.stdout.split('\n')[0]).toMatch(/: no violations$/);
  });

  it('check of the drifted host: text', () => {
    const result = runCli(['check', '--baseline', baselineFile, ...drifted], { env });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(1);
    expectGolden('check-drifted-host.txt', normalizeRun(result.stdout, { [baselineFile]: '<baseline>' }));
    expect(result.stdout.split('\n')[0]).toMatch(/: 11 violations$/);
    expect(result.stdout).toContain('unexpected listener tcp 0.0.0.0:4444 in netns host, held by /tmp/.x/bind (pid 4300, www-data): not in the baseline');
  });

  it('check of the drifted host: json', () => {
    const result = runCli(['check', '--baseline', baselineFile, ...drifted, '--json'], { env });
    expect(result.status).toBe(1);
    expectGolden('check-drifted-host.json', normalizeRun(result.stdout, { [baselineFile]: '<baseline>' }));
    const parsed = JSON.parse(result.stdout) as { ok: boolean; violations: { kind: string; port: number | null }[] };
    expect(parsed.ok).toBe(false);
    expect(parsed.violations.filter((v) => v.kind !== 'unaccepted-finding').map((v) => `${v.kind} ${v.port}`)).toEqual([
      'unexpected-listener null',
      'unexpected-listener 6',
      'unexpected-listener 4444',
      'exposure-wider 8000',
      'different-exe 80',
    ]);
  });

  it('an expired entry fails the check', () => {
    const baseline = JSON.parse(fs.readFileSync(baselineFile, 'utf8')) as { listeners: { port: unknown; expires: string | null }[] };
    baseline.listeners.find((entry) => entry.port === 22)!.expires = '2020-01-01';
    const file = path.join(dir, 'expired.json');
    fs.writeFileSync(file, JSON.stringify(baseline));
    const result = runCli(['check', '--baseline', file, ...clean], { env });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('expired baseline entry: tcp port 22 (/usr/sbin/sshd, netns host) expired 2020-01-01 and still listens');
  });

  it.each([
    ['a malformed file', '{"listeners": [{"family": "tcp", "port": "ssh"}]}', 'listeners[0].port: expected a port number 0-65535, "ephemeral" or null, got "ssh"'],
    ['not JSON at all', 'allow: ssh', 'not valid JSON'],
  ])('%s: exit 2 with one line naming the file and the problem', (_, text, problem) => {
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, text);
    const result = runCli(['check', '--baseline', file, ...clean], { env });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.startsWith(`sockaudit: baseline ${file}: ${problem}`)).toBe(true);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('a missing file and a missing --baseline are errors too', () => {
    const missing = runCli(['check', '--baseline', path.join(dir, 'nope.json'), ...clean], { env });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(`sockaudit: baseline ${path.join(dir, 'nope.json')}: cannot read it (no such file)\n`);
    const noFlag = runCli(['check', ...clean], { env });
    expect(noFlag.status).toBe(2);
    expect(noFlag.stderr).toMatch(/--baseline/);
  });
});

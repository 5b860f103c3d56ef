import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, runCli } from '../helpers/live.js';
import { ListenerProcess } from '../review/listener-process.js';

/**
 * Live (issue 5): a baseline from a snapshot of this machine, then a new 0.0.0.0 listener
 * (bound, never connected to) makes `check` exit 1 naming its port, and an allowed listener
 * moved from 127.0.0.1 to 0.0.0.0 on the same port is reported as exposure wider than
 * allowed. Other tests open and close sockets meanwhile, so only our own violations are
 * asserted by name.
 */
describe('baseline and check on this machine', () => {
  const dir = makeTempDir('sockaudit-check-');
  const db = path.join(dir, 'check.db');
  const baselineFile = path.join(dir, 'baseline.json');
  const holder = new ListenerProcess();
  let movedPort = 0;

  beforeAll(async () => {
    await holder.ready();
    movedPort = await holder.listen('app', '127.0.0.1');
  });
  afterAll(async () => {
    await holder.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('check of the snapshot the baseline was made from passes', () => {
    expect(runCli(['snapshot', '--db', db, '--quiet']).status).toBe(0);
    const created = runCli(['baseline', 'create', 'latest', '--db', db]);
    expect(created.status).toBe(0);
    fs.writeFileSync(baselineFile, created.stdout);
    const baseline = JSON.parse(created.stdout) as { listeners: { port: unknown; exposure: string; exe: string }[] };
    expect(baseline.listeners).toContainEqual(expect.objectContaining({ family: 'tcp', port: movedPort, exposure: 'loopback', exe: fs.realpathSync(process.execPath) }));
    const check = runCli(['check', 'latest', '--baseline', baselineFile, '--db', db]);
    expect(check.stdout).toMatch(/: no violations\n/);
    expect(check.status).toBe(0);
  });

  it('a new wildcard listener and a listener moved to the wildcard address fail the check', async () => {
    const newPort = await holder.listen('new', '0.0.0.0');
    await holder.close('app');
    expect(await holder.listen('app', '0.0.0.0', movedPort)).toBe(movedPort);
    expect(runCli(['snapshot', '--db', db, '--quiet']).status).toBe(0);

    const text = runCli(['check', 'latest', '--baseline', baselineFile, '--db', db]);
    expect(text.status).toBe(1);
    expect(text.stdout).toContain(`unexpected listener tcp 0.0.0.0:${newPort} in netns host`);
    expect(text.stdout).toContain(`exposure wider than allowed: tcp 0.0.0.0:${movedPort} in netns host`);

    const json = runCli(['check', 'latest', '--baseline', baselineFile, '--db', db, '--json']);
    expect(json.status).toBe(1);
    const result = JSON.parse(json.stdout) as { ok: boolean; violations: { kind: string; port: number | null; pids: number[] }[] };
    expect(result.ok).toBe(false);
    const ours = result.violations.filter((violation) => violation.pids.includes(holder.pid));
    expect(ours.map((violation) => `${violation.kind} ${violation.port}`).sort()).toEqual(
      [`exposure-wider ${movedPort}`, `unexpected-listener ${newPort}`].sort(),
    );
  });
});

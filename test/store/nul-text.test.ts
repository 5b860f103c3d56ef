/**
 * A NUL byte in text read from a captured tree (a comm, a user name, the host name, the kernel
 * release: the kernel never puts one there, but a tree is whatever its maker wrote) must not stop a snapshot,
 * and must be stored the same way in SQLite and PostgreSQL, which refuses NUL in text.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyProcTree } from '../commands/proc-tree.js';
import { CLI, makeTempDir, runCli } from '../helpers/live.js';
import { adminUrlFor, createTestDatabase, postgresAdminUrl, postgresSkipReason } from '../helpers/postgres-databases.js';

describe.skipIf(postgresAdminUrl === null || !fs.existsSync(CLI))(`NUL in a captured tree's text (skipped without a PostgreSQL server or a built CLI: ${postgresSkipReason})`, () => {
  const dir = makeTempDir('sockaudit-nul-');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('snapshots into SQLite and PostgreSQL alike, and both verify', async () => {
    const procRoot = copyProcTree('edge-cases', dir);
    const owners = fs.readdirSync(procRoot).filter((name) => /^\d+$/.test(name) && fs.existsSync(path.join(procRoot, name, 'comm')));
    for (const pid of owners) fs.writeFileSync(path.join(procRoot, pid, 'comm'), 'ev\0il\n');
    fs.writeFileSync(path.join(procRoot, 'sys/kernel/hostname'), 'edge\0host\n');
    fs.writeFileSync(path.join(procRoot, 'sys/kernel/osrelease'), '6.1\0-evil\n');
    const passwd = path.join(procRoot, 'etc/passwd');
    fs.writeFileSync(passwd, fs.readFileSync(passwd, 'utf8').replace(/^root:/m, 'ro\0ot:'));
    const sqlite = path.join(dir, 'nul.db');
    const postgres = adminUrlFor(await createTestDatabase('nul'));
    const shown: string[] = [];
    for (const db of [sqlite, postgres]) {
      const snapshot = runCli(['snapshot', '--db', db, '--proc-root', procRoot, '--json']);
      expect(snapshot.stderr).toBe('');
      expect(snapshot.status).toBe(0);
      const { host } = JSON.parse(snapshot.stdout) as { host: string };
      const show = runCli(['show', 'latest', '--db', db, '--host', host, '--json']);
      expect(show.status, show.stderr).toBe(0);
      const verify = runCli(['verify', '--db', db]);
      expect(verify.status, verify.stdout + verify.stderr).toBe(0);
      const { meta, sockets } = JSON.parse(show.stdout) as { meta: { host: string; kernel: string }; sockets: { owners: { comm: string | null; user: string | null }[] }[] };
      const owners = sockets.flatMap((socket) => socket.owners);
      shown.push(JSON.stringify({ host: meta.host, kernel: meta.kernel, comms: [...new Set(owners.map((owner) => owner.comm))], users: [...new Set(owners.map((owner) => owner.user))] }));
    }
    expect(shown[1]).toBe(shown[0]);
    // shown, not hidden: the NUL is a U+FFFD, with what follows it
    expect(JSON.parse(shown[0]!)).toMatchObject({
      host: 'edge\uFFFDhost',
      kernel: '6.1\uFFFD-evil',
      comms: expect.arrayContaining(['ev\uFFFDil']),
      users: expect.arrayContaining(['ro\uFFFDot']),
    });
  });
});

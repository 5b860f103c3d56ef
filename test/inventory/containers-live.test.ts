/**
 * Containers on the live host, made by the test: a network namespace (ip netns add) with
 * a process holding a listener, moved into a cgroup named as docker names a container's
 * (…/docker-ID.scope), and docker metadata for that id under a --runtime-root. Needs root
 * (ip netns add, writing cgroup.procs) and a writable cgroup hierarchy.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory, SocketRecord } from '../../src/model/socket-record.js';
import { hasCommand, holdSockets, IS_ROOT, makeTempDir, runCli, type HeldSockets } from '../helpers/live.js';

/** A cgroup v2 hierarchy we may make a directory in (pure v2, or the hybrid layout's unified), else a v1 one. */
function writableCgroupRoot(): string | null {
  for (const candidate of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified', '/sys/fs/cgroup/systemd', '/sys/fs/cgroup/pids']) {
    try {
      if (!fs.existsSync(path.join(candidate, 'cgroup.procs'))) continue;
      fs.accessSync(candidate, fs.constants.W_OK);
      return candidate;
    } catch {
      // not writable: the next one
    }
  }
  return null;
}

const CGROUP_ROOT = IS_ROOT ? writableCgroupRoot() : null;
const CAN_RUN = IS_ROOT && CGROUP_ROOT !== null && hasCommand('ip') && hasCommand('python3');

describe.skipIf(!CAN_RUN)(
  'a process in a docker-like cgroup and a namespace made here (skipped unless root with a writable cgroup hierarchy, ip and python3: ip netns add and cgroup.procs need root)',
  () => {
    const name = `sockaudit-ct-${process.pid}`;
    const id = crypto.createHash('sha256').update(name).digest('hex');
    const group = path.join(CGROUP_ROOT ?? '/nonexistent', `sockaudit-test-${process.pid}.slice`);
    const scope = path.join(group, `docker-${id}.scope`);
    const runtime = makeTempDir('sockaudit-runtime-');
    let held: HeldSockets | undefined;

    beforeAll(async () => {
      expect(spawnSync('ip', ['netns', 'add', name]).status).toBe(0);
      expect(spawnSync('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']).status).toBe(0);
      held = await holdSockets([{ kind: 'tcp-listen', name: 'app', host: '127.0.0.1' }], ['ip', 'netns', 'exec', name]);
      fs.mkdirSync(scope, { recursive: true });
      fs.writeFileSync(path.join(scope, 'cgroup.procs'), String(held.pid));
      const containerDir = path.join(runtime, 'var/lib/docker/containers', id);
      fs.mkdirSync(containerDir, { recursive: true });
      fs.writeFileSync(path.join(containerDir, 'config.v2.json'), JSON.stringify({ ID: id, Name: `/live-${process.pid}`, Config: { Image: 'sockaudit/test:1' }, State: { Running: true } }));
    });

    afterAll(async () => {
      await held?.release();
      // the process has exited, so the cgroups are empty and can go
      for (const dir of [scope, group]) {
        try {
          fs.rmdirSync(dir);
        } catch {
          // already gone (or never made)
        }
      }
      spawnSync('ip', ['netns', 'del', name]);
      fs.rmSync(runtime, { recursive: true, force: true });
    });

    const appSocket = (inventory: Inventory): SocketRecord => {
      const found = inventory.sockets.filter((socket) => socket.inode === held!.sockets.app!.inode);
      expect(found).toHaveLength(1);
      return found[0]!;
    };

    it("reads the process's /proc/PID/cgroup as docker's", () => {
      expect(fs.readFileSync(`/proc/${held!.pid}/cgroup`, 'utf8')).toContain(`docker-${id}.scope`);
    });

    it('collect names the socket and its namespace after the container in the runtime metadata', () => {
      const result = runCli(['collect', '--json', '--runtime-root', runtime]);
      expect(result.status).toBe(0);
      const socket = appSocket(JSON.parse(result.stdout) as Inventory);
      expect(socket.container).toEqual({ runtime: 'docker', id, name: `live-${process.pid}`, image: 'sockaudit/test:1', podName: null, podNamespace: null });
      // the container's name wins over the namespace's `ip netns` name
      expect(socket.netnsName).toBe(`container live-${process.pid}`);
    });

    it('--container selects it; listening shows it in the CONTAINER column', () => {
      const collected = runCli(['collect', '--runtime-root', runtime, '--container', `live-${process.pid}`]);
      expect(collected.status).toBe(0);
      expect(collected.stdout).toContain(`127.0.0.1:${held!.sockets.app!.port}`);
      const rows = collected.stdout.trim().split('\n').slice(1);
      // the listener, the namespace's own kernel sockets, and the pipes the test spawned it with (host namespace, same process)
      expect(rows.every((row) => row.includes(`live-${process.pid}`))).toBe(true);
      expect(rows.length).toBeGreaterThan(0);
      const listening = runCli(['listening', '--runtime-root', runtime]);
      expect(listening.status).toBe(0);
      expect(listening.stdout).toMatch(new RegExp(`tcp +127\\.0\\.0\\.1:${held!.sockets.app!.port} +container live-${process.pid} +live-${process.pid} `));
    });

    it('with no metadata for it (the host has no such docker container), it is named by its short id, with a warning', () => {
      const empty = makeTempDir('sockaudit-runtime-empty-');
      try {
        const result = runCli(['collect', '--json', '--runtime-root', empty]);
        expect(result.status).toBe(0);
        const inventory = JSON.parse(result.stdout) as Inventory;
        expect(appSocket(inventory).container).toMatchObject({ runtime: 'docker', id, name: id.slice(0, 12), image: null });
        expect(inventory.warnings.map((warning) => warning.code)).toContain('container-metadata-unreadable');
      } finally {
        fs.rmSync(empty, { recursive: true, force: true });
      }
    });
  },
);

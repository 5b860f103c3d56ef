/**
 * scripts/capture-proc.mjs --runtime-out: the runtime metadata a collection needs, and
 * nothing else (a docker config's environment may hold secrets). Captures the live /proc
 * (for the script's own needs) with the docker fixture's metadata as the runtime source.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectInventory } from '../../src/inventory/collect.js';
import { makeTempDir, REPO_ROOT } from '../helpers/live.js';

const FIXTURE = path.join(REPO_ROOT, 'fixtures/containers/docker-host');

describe('capture-proc.mjs --runtime-out', () => {
  it('writes only the fields sockaudit reads, and a collection with them names the containers as with the originals', async () => {
    const dir = makeTempDir('sockaudit-capture-runtime-');
    try {
      const source = path.join(dir, 'source');
      fs.cpSync(path.join(FIXTURE, 'runtime'), source, { recursive: true });
      const containers = path.join(source, 'var/lib/docker/containers');
      const id = fs.readdirSync(containers)[0]!;
      const configFile = path.join(containers, id, 'config.v2.json');
      const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
      config.Config.Env = ['DB_PASSWORD=hunter2'];
      config.Config.Labels = { 'io.kubernetes.pod.name': 'p', 'com.example.token': 'secret-label' };
      config.MountPoints = { '/data': { Source: '/srv/secret' } };
      fs.writeFileSync(configFile, JSON.stringify(config));
      const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts/capture-proc.mjs'), '--out', path.join(dir, 'proc'), '--runtime-out', path.join(dir, 'runtime'), '--runtime-from', source], { encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/captured 4 runtime metadata files/);
      const captured = fs.readFileSync(path.join(dir, 'runtime/var/lib/docker/containers', id, 'config.v2.json'), 'utf8');
      expect(captured).not.toMatch(/hunter2|secret-label|srv\/secret|Env|MountPoints/);
      expect(JSON.parse(captured).Config.Labels).toEqual({ 'io.kubernetes.pod.name': 'p' });
      const withCaptured = await collectInventory({ procRoot: path.join(FIXTURE, 'proc'), runtimeRoot: path.join(dir, 'runtime') });
      const withOriginal = await collectInventory({ procRoot: path.join(FIXTURE, 'proc'), runtimeRoot: path.join(FIXTURE, 'runtime') });
      const view = (sockets: typeof withOriginal.sockets) => sockets.map((socket) => [socket.netnsName, socket.container?.name ?? null, socket.container?.image ?? null, socket.publishedTo]);
      // the pod label added above is the one difference: it now reads as a pod
      expect(view(withCaptured.sockets).filter(([, name]) => name !== null).length).toBe(view(withOriginal.sockets).filter(([, name]) => name !== null).length);
      expect(withCaptured.sockets.find((socket) => socket.localPort === 8080)?.publishedTo).toEqual(withOriginal.sockets.find((socket) => socket.localPort === 8080)?.publishedTo);
      expect(withCaptured.meta.publishedOnly).toEqual(withOriginal.meta.publishedOnly);
      // every captured process has its cgroup file
      const anyProcess = fs.readdirSync(path.join(dir, 'proc')).find((name) => /^\d+$/.test(name))!;
      expect(fs.existsSync(path.join(dir, 'proc', anyProcess, 'cgroup'))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

import fs from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanFdLinksFromQueue, startFdLinkScan } from '../../src/proc/fd-links.js';
import { parseSocketLink } from '../../src/proc/parse-process-files.js';

function socketFdsOf(scan: { pids: Int32Array; fds: Int32Array; inodes: Float64Array }, pid: number): string[] {
  const entries: string[] = [];
  for (let i = 0; i < scan.pids.length; i++) if (scan.pids[i] === pid) entries.push(`${scan.fds[i]}:${scan.inodes[i]}`);
  return entries.sort();
}

describe('fd link scan in JavaScript (the fallback when the native addon is not built)', () => {
  const servers: net.Server[] = [];
  const pids = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
  beforeAll(async () => {
    for (let i = 0; i < 3; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    }
  });
  afterAll(() => servers.forEach((server) => server.close()));

  it('finds the socket fds of this process with their inodes', () => {
    const scan = scanFdLinksFromQueue(fs, parseSocketLink, '/proc/', [process.pid], new Int32Array(1));
    const expected = fs
      .readdirSync('/proc/self/fd')
      .map((fd) => {
        try {
          return [fd, fs.readlinkSync(`/proc/self/fd/${fd}`)] as const;
        } catch {
          return [fd, ''] as const; // the fd readdirSync itself used, closed by now
        }
      })
      .filter(([, target]) => target.startsWith('socket:['))
      .map(([fd, target]) => `${fd}:${parseSocketLink(target)}`);
    // the readdir above opened and closed one fd of its own: compare sockets only
    expect(socketFdsOf(scan, process.pid)).toEqual(expected.sort());
    expect(scan.claimed).toBe(1);
  });

  it('gives the same result on the worker path as inline', async () => {
    const inline = startFdLinkScan('/proc/', pids, 0, null);
    inline.help();
    const threaded = startFdLinkScan('/proc/', pids, 1_000_000, null);
    threaded.help();
    const [a, b] = [await inline.result(), await threaded.result()];
    expect(a.claimed).toBe(pids.length);
    expect(b.claimed).toBe(pids.length);
    expect(socketFdsOf(b, process.pid)).toEqual(socketFdsOf(a, process.pid));
    expect(socketFdsOf(a, process.pid).length).toBeGreaterThanOrEqual(3);
  });

  it('scans everything on the worker thread when the caller does not help', async () => {
    const job = startFdLinkScan('/proc/', pids, 1_000_000, null);
    const viaWorker = await job.result();
    expect(viaWorker.claimed).toBe(pids.length);
    const inline = startFdLinkScan('/proc/', pids, 0, null);
    inline.help();
    expect(socketFdsOf(viaWorker, process.pid)).toEqual(socketFdsOf(await inline.result(), process.pid));
  });

  it('records a vanished pid as a failure, not an exception', () => {
    const scan = scanFdLinksFromQueue(fs, parseSocketLink, '/proc/', [2 ** 22 + 12345], new Int32Array(1));
    expect(scan.failures).toEqual([{ pid: 2 ** 22 + 12345, code: 'ENOENT' }]);
  });
});

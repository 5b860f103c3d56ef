/**
 * The bin's head start (fd-scan-head-start.ts): a scan of /proc started before the program
 * loads, taken over by the collector for the live /proc only.
 */
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectFromProc, collectInventory } from '../../src/inventory/collect.js';
import { readHostContext } from '../../src/inventory/host-context.js';
import { startFdScanHeadStart, takeFdScanHeadStart } from '../../src/inventory/fd-scan-head-start.js';
import type { FdLinkScan } from '../../src/model/fd-link-scan.js';
import { nativeAddon } from '../../src/native/native-addon.js';
import { createProcFs } from '../../src/proc/proc-fs.js';
import { REPO_ROOT } from '../helpers/live.js';

const EDGE = path.join(REPO_ROOT, 'fixtures/proc/edge-cases');

const EMPTY_SCAN: FdLinkScan = { pids: new Int32Array(), fds: new Int32Array(), inodes: new Float64Array(), failures: [], claimed: 0 };

/** A C scanner standing in for the addon, whose scan is `scan`; counts the scans asked for. */
function scanner(scan: () => Promise<FdLinkScan>): { scanSocketFds: () => Promise<FdLinkScan>; calls: number } {
  const fake = { calls: 0, scanSocketFds: () => (fake.calls++, scan()) };
  return fake;
}

describe('fd scan head start', () => {
  it('is not started without the C scanner (the JavaScript scan needs the JavaScript thread)', () => {
    expect(startFdScanHeadStart(null)).toBe(false);
    expect(takeFdScanHeadStart('/proc')).toBeNull();
  });

  it('is taken once, for the live /proc only: a captured tree leaves it waiting', async () => {
    const fake = scanner(async () => EMPTY_SCAN);
    expect(startFdScanHeadStart(fake)).toBe(true);
    expect(fake.calls).toBe(1);
    expect(takeFdScanHeadStart(EDGE)).toBeNull();
    const job = takeFdScanHeadStart('/proc/');
    expect(await job?.result()).toBe(EMPTY_SCAN);
    // taken: a second collection in the same run scans afresh
    expect(takeFdScanHeadStart('/proc')).toBeNull();
  });

  it('does not change the inventory of a captured tree, and is still there after it', async () => {
    const rejected = Promise.reject(new Error('a head start of /proc must not be used for a captured tree'));
    expect(startFdScanHeadStart(scanner(() => rejected))).toBe(true);
    const withHeadStart = await collectInventory({ procRoot: EDGE, host: 'fixture' });
    const job = takeFdScanHeadStart('/proc');
    expect(job).not.toBeNull();
    await expect(job!.result()).rejects.toThrow(/must not be used/);
    const without = await collectInventory({ procRoot: EDGE, host: 'fixture' });
    expect({ ...withHeadStart, meta: { ...withHeadStart.meta, takenAt: '', durationMs: 0 } }).toEqual({ ...without, meta: { ...without.meta, takenAt: '', durationMs: 0 } });
  });

  describe.skipIf(nativeAddon === null)('on the live /proc', () => {
    const server = net.createServer();
    let port = 0;
    beforeAll(async () => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as net.AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("gives this process's sockets their owner, from the scan started ahead", async () => {
      const addon = scanner(() => nativeAddon!.scanSocketFds('/proc/', Int32Array.from([process.pid]), 1));
      expect(startFdScanHeadStart(addon)).toBe(true);
      const inventory = await collectInventory({ procRoot: '/proc' });
      // the collector took the scan started ahead: it is gone from the slot
      expect(takeFdScanHeadStart('/proc')).toBeNull();
      expect(addon.calls).toBe(1);
      const listener = inventory.sockets.find((socket) => socket.family === 'tcp' && socket.localPort === port && socket.state === 'LISTEN');
      expect(listener?.owners.map((owner) => owner.pid)).toEqual([process.pid]);
      expect(listener?.owners[0]?.comm).not.toBeNull();
    });

    it("groups into namespaces the processes the scan lists, without listing /proc again", async () => {
      // a job listing this process alone: the collector reads namespaces through it and nothing else
      const job = { help: () => {}, result: () => nativeAddon!.scanSocketFds('/proc/', Int32Array.from([process.pid]), 1), pids: [process.pid] };
      const inventory = await collectFromProc(createProcFs('/proc'), readHostContext('/proc'), 'fixture', nativeAddon, job);
      expect(inventory.meta.namespaces.map((namespace) => namespace.readerPid)).toEqual([process.pid]);
      const owners = new Set(inventory.sockets.flatMap((socket) => socket.owners.map((owner) => owner.pid)));
      expect([...owners]).toEqual([process.pid]);
    });
  });
});

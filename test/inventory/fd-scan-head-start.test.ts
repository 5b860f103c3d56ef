/**
 * The bin's head start (fd-scan-head-start.ts): a scan of /proc started before the program
 * loads, taken over by the collector for the live /proc only.
 */
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectInventory } from '../../src/inventory/collect.js';
import { startFdScanHeadStart, takeHeadStart, type FdScanHeadStart } from '../../src/inventory/fd-scan-head-start.js';
import type { FdLinkScan } from '../../src/model/fd-link-scan.js';
import { nativeAddon } from '../../src/native/native-addon.js';
import { REPO_ROOT } from '../helpers/live.js';

const EDGE = path.join(REPO_ROOT, 'fixtures/proc/edge-cases');

/** A head start around a given scan that records whether anyone took its result. */
function recordingHeadStart(scan: () => Promise<FdLinkScan>): FdScanHeadStart & { taken: boolean } {
  const headStart = {
    taken: false,
    job: {
      help: () => {},
      result: () => {
        headStart.taken = true;
        return scan();
      },
    },
  };
  return headStart;
}

describe('fd scan head start', () => {
  it('is not started without the C scanner (the JavaScript scan needs the JavaScript thread)', () => {
    expect(startFdScanHeadStart(null)).toBeNull();
  });

  it('is taken over for the live /proc and left alone for a captured tree', () => {
    const headStart = recordingHeadStart(async () => ({ pids: new Int32Array(), fds: new Int32Array(), inodes: new Float64Array(), failures: [], claimed: 0 }));
    expect(takeHeadStart(headStart, '/proc')).toBe(headStart.job);
    expect(takeHeadStart(headStart, '/proc/')).toBe(headStart.job);
    expect(takeHeadStart(headStart, EDGE)).toBeNull();
    expect(takeHeadStart(null, '/proc')).toBeNull();
  });

  it('does not change the inventory of a captured tree', async () => {
    const headStart = recordingHeadStart(() => Promise.reject(new Error('a head start of /proc must not be used for a captured tree')));
    const withHeadStart = await collectInventory({ procRoot: EDGE, host: 'fixture', headStart });
    const without = await collectInventory({ procRoot: EDGE, host: 'fixture' });
    expect(headStart.taken).toBe(false);
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
      const started = startFdScanHeadStart()!;
      expect(started).not.toBeNull();
      const headStart = recordingHeadStart(() => started.job.result());
      const inventory = await collectInventory({ procRoot: '/proc', headStart });
      expect(headStart.taken).toBe(true);
      const listener = inventory.sockets.find((socket) => socket.family === 'tcp' && socket.localPort === port && socket.state === 'LISTEN');
      expect(listener?.owners.map((owner) => owner.pid)).toEqual([process.pid]);
      expect(listener?.owners[0]?.comm).not.toBeNull();
    });
  });
});

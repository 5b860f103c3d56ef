/**
 * Every C path of the addon against its JavaScript twin on the captured and hand-made
 * /proc trees under fixtures/proc (scripts/capture-proc.mjs, make-edge-cases.mjs): no live
 * host, no root. A tree is the fd scan's recorded input (PID/fd/N links, PID/{comm,stat,
 * exe,cmdline,status}), so both scans read the same bytes:
 * - native/fd-scan.c (scanSocketFds, with the process files it reads) against
 *   scanFdLinksFromQueue and readProcessFiles (src/proc/fd-links.ts, process-details.ts);
 * - the collector with each scan: the same inventory;
 * - native/digest.c (digestJsonElements, matchDigests) against versionDigest and the
 *   matching in src/store/digest-match.ts, on each tree's records;
 * - native/set-hash.c (ltHashUpdate) against the lanes in src/store/set-hash.ts;
 * - native/json-assembly.c (assembleJson) against assembleJsonTokens (src/render/json-tokens.ts),
 *   on each tree's records, and both against JSON.stringify.
 * The sock_diag dumps have their own: sock-diag-fixtures.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectFromProc } from '../../src/inventory/collect.js';
import { readHostContext } from '../../src/inventory/host-context.js';
import { processFilesFromDump, readProcessFiles } from '../../src/inventory/process-details.js';
import type { FdLinkScan } from '../../src/model/fd-link-scan.js';
import type { Inventory } from '../../src/model/socket-record.js';
import { nativeAddon } from '../../src/native/native-addon.js';
import { scanFdLinksFromQueue, startFdLinkScan } from '../../src/proc/fd-links.js';
import { parseSocketLink } from '../../src/proc/parse-process-files.js';
import { createProcFs, type ProcFs } from '../../src/proc/proc-fs.js';
import { assembleJsonTokens, JsonTokens } from '../../src/render/json-tokens.js';
import { matchDigests } from '../../src/store/digest-match.js';
import { SetHash } from '../../src/store/set-hash.js';
import { versionDigests } from '../../src/store/version-digests.js';

const PROC_DIR = path.relative(process.cwd(), path.resolve(import.meta.dirname, '../../fixtures/proc'));
const CONTAINERS_DIR = path.relative(process.cwd(), path.resolve(import.meta.dirname, '../../fixtures/containers'));
const subdirectories = (directory: string): string[] =>
  fs
    .readdirSync(directory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
/** Each tree by name and root: fixtures/proc's, and the container hosts' (their cgroup files name containers). */
const TREES: [string, string][] = [
  ...subdirectories(PROC_DIR).map((name): [string, string] => [name, path.join(PROC_DIR, name)]),
  ...subdirectories(CONTAINERS_DIR)
    .filter((name) => fs.existsSync(path.join(CONTAINERS_DIR, name, 'proc')))
    .map((name): [string, string] => [`containers/${name}`, path.join(CONTAINERS_DIR, name, 'proc')]),
];

function pidsOf(root: string): number[] {
  return fs
    .readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
}

/** A scan as sorted "pid fd inode" lines and sorted failures: threads may interleave pids. */
function scanLines(scan: FdLinkScan): { links: string[]; failures: string[] } {
  const links = Array.from(scan.pids, (pid, i) => `${pid} ${scan.fds[i]} ${scan.inodes[i]}`).sort();
  const failures = scan.failures.map((failure) => `${failure.pid} ${failure.code}`).sort();
  return { links, failures };
}

/** The inventory without what differs from run to run. */
function stable(inventory: Inventory): unknown {
  const { takenAt: _takenAt, durationMs: _durationMs, ...meta } = inventory.meta;
  return { ...inventory, meta };
}

function withJavaScriptScan(proc: ProcFs): ProcFs {
  return { ...proc, startSocketFdScan: (pids, hint) => startFdLinkScan(`${proc.root}/`, pids, hint, null) };
}

function collectTree(root: string, proc: ProcFs): Promise<Inventory> {
  return collectFromProc(proc, readHostContext(root), undefined, null);
}

it('finds the fixture trees', () => {
  expect(TREES.length).toBeGreaterThanOrEqual(7);
});

describe.skipIf(nativeAddon === null)('the C paths against their JavaScript twins on fixture trees (skipped unless the addon is built: npm run build:native)', () => {
  describe.each(TREES)('%s', (_tree, root) => {
    const prefix = `${root}/`;
    const pids = pidsOf(root);

    it('fd scan: the same socket fds and the same failures, on one thread and on two', async () => {
      const javascript = scanLines(scanFdLinksFromQueue(fs, parseSocketLink, prefix, pids, new Int32Array(1)));
      expect(javascript.links.length).toBeGreaterThan(0);
      for (const threads of [1, 2]) {
        const native = await nativeAddon!.scanSocketFds(prefix, Int32Array.from(pids), threads);
        expect(native.claimed).toBe(pids.length);
        expect(scanLines(native)).toEqual(javascript);
      }
    });

    it('process files: what the C scan read of each socket holder is what readProcessFiles reads', async () => {
      const native = await nativeAddon!.scanSocketFds(prefix, Int32Array.from(pids), 2);
      const dump = native.processes!;
      const holders = new Set(native.pids);
      expect([...dump.pids].sort((a, b) => a - b)).toEqual([...holders].sort((a, b) => a - b));
      const proc = createProcFs(root);
      dump.pids.forEach((pid, position) => {
        expect(processFilesFromDump(dump, position, `${root}/${pid}`), `pid ${pid}`).toEqual(readProcessFiles(proc, pid));
      });
    });

    it('collect: the same inventory with the C scan as with the JavaScript scan', async () => {
      const viaC = await collectTree(root, createProcFs(root));
      const viaJavaScript = await collectTree(root, withJavaScriptScan(createProcFs(root)));
      expect(stable(viaC)).toEqual(stable(viaJavaScript));
    });

    it('digests and set hash: the same for every record, in C and in JavaScript', async () => {
      const { sockets } = await collectTree(root, createProcFs(root));
      const digests = await versionDigests(sockets, null);
      expect(await versionDigests(sockets, nativeAddon)).toEqual(digests);
      expect(SetHash.of(digests, nativeAddon).state()).toEqual(SetHash.of(digests, null).state());
      // a set hash updated with half of them removed again, both ways
      const half = digests.filter((_, i) => i % 2 === 0);
      const [native, javascript] = [SetHash.of(digests, nativeAddon), SetHash.of(digests, null)];
      native.update([], half, nativeAddon);
      javascript.update([], half, null);
      expect(native.digest()).toBe(javascript.digest());
      expect(native.digest()).toBe(SetHash.of(digests.filter((_, i) => i % 2 === 1), null).digest());
    });
  });

  it.each(TREES)('JSON assembly: the same text in C and in JavaScript from the tokens of %s, and JSON.stringify\'s', async (_tree, root) => {
    const { sockets } = await collectTree(root, createProcFs(root));
    const tokens = new JsonTokens();
    sockets.forEach((record, i) => {
      if (i !== 0) tokens.addComma();
      tokens.addSocket(record, null);
    });
    const assembler = nativeAddon!.createJsonAssembler();
    const out = Buffer.alloc(4 << 20);
    const written = nativeAddon!.assembleJson(assembler, tokens.takeNewPieces(), tokens.tokens, tokens.length, out);
    const javascript = assembleJsonTokens(tokens.pieces, tokens.tokens, tokens.length);
    expect(out.subarray(0, written).toString('utf8')).toBe(javascript);
    expect(javascript).toBe(sockets.map((record) => JSON.stringify(record)).join(','));
  });

  it('digest matching: the same pairs in C and in JavaScript between the records of any two trees', async () => {
    const digestsOf = new Map<string, string[]>();
    for (const [tree, root] of TREES) {
      digestsOf.set(tree, await versionDigests((await collectTree(root, createProcFs(root))).sockets, null));
    }
    for (const [a, current] of digestsOf) {
      for (const [b, open] of digestsOf) {
        // an overlap: the other tree's digests and half of this one's
        const withOverlap = [...open, ...current.filter((_, i) => i % 2 === 0)];
        const [native, javascript] = [matchDigests(current, withOverlap, nativeAddon), matchDigests(current, withOverlap, null)];
        expect(native.sortedLines, `${a} against ${b}`).toBe(javascript.sortedLines);
        // equal digests (inode-0 sockets can look alike) pair one to one, in either order:
        // what is left over is the same digests, not necessarily the same positions
        const leftOver = (match: typeof native) => ({
          unmatched: match.unmatched.map((i) => current[i]).sort(),
          vanished: match.vanished.map((i) => withOverlap[i]).sort(),
        });
        expect(leftOver(native), `${a} against ${b}`).toEqual(leftOver(javascript));
        if (a === b) expect(native.unmatched).toEqual([]);
      }
    }
  });
});

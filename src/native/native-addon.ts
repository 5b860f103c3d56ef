/**
 * sockaudit's native addon (native/*.c), compiled by `npm run build:native` with node-gyp,
 * the same toolchain better-sqlite3 is built with. It does the two parts of collection
 * where JavaScript is too slow, both on threads of their own while the JavaScript thread
 * reads the other tables:
 * - the fd-link scan, one readlinkat() per open fd of every process, and the files of
 *   each process that holds a socket (native/fd-scan.c);
 * - TCP, UDP, UDP-Lite and unix tables as binary sock_diag dumps instead of /proc text
 *   (native/sock-diag.c).
 * At 50,000 sockets: the scan takes 0.08 s on two threads against 0.25 s in JavaScript;
 * the four inet dumps about 0.03 s against 0.10 s for reading the four /proc files, and
 * the unix dump 0.006 s against 0.02 s. It also assembles the JSON text of collect --json
 * and show --json from tokens (native/json-assembly.c, src/render/json-tokens.ts).
 *
 * When no addon loads (no prebuild fits and the install could not compile one, or a
 * `tsc`-only build) `nativeAddon` is null and the collector uses the JavaScript scan and
 * the /proc files: the same inventory, slower. `nativeAddonStatus` says which, for
 * `sockaudit doctor` and `--debug`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nodeGypBuild from 'node-gyp-build';
import { errnoCode } from '../errors.js';
import type { FdLinkScan } from '../model/fd-link-scan.js';

/** One sock_diag dump: every socket of one family (and, for inet, protocol) in one namespace. */
export interface SockDiagRequest {
  /** a network namespace file to enter first (`/proc/PID/ns/net`); null for our own. */
  netnsPath: string | null;
  /** IP version, or unix. */
  family: 4 | 6 | 'unix';
  /** IP protocol number: 6 TCP, 17 UDP, 136 UDP-Lite; 0 for unix. */
  protocol: number;
  /**
   * true: `records` holds the netlink messages as the kernel sent them, unpacked (what
   * scripts/capture-proc.mjs stores as fixtures, for packSockDiagMessages to replay).
   */
  raw?: boolean;
}

/**
 * The dump's records (inet: each `struct inet_diag_msg`, 72 bytes; unix: the packed form
 * parseUnixDiagRecords reads) and the inode of the namespace it came from; or the errno.
 */
/**
 * One dump's outcome. `socketInode`: the inode of the netlink socket the dump used (0 when
 * none was made), so that sockaudit's own sockets can be left out of what it collects.
 */
export type SockDiagResult = ({ netns: number; records: Uint8Array } | { code: string }) & { socketInode?: number };

/** The calls the collector makes of the addon. */
export interface NativeAddon {
  /**
   * Socket fds of every pid under `prefix` (a proc root ending in '/'), shared among
   * `threads` threads. Same semantics as scanFdLinksFromQueue; `claimed` is pids.length.
   */
  scanSocketFds(prefix: string, pids: Int32Array, threads: number): Promise<FdLinkScan>;
  /** One result per request, in order; a request that failed has the errno name as `code`. */
  dumpSockets(requests: SockDiagRequest[]): Promise<SockDiagResult[]>;
  /**
   * The packing dumpSockets does, over a dump captured with `raw: true`: the same
   * `records` the live dump would have given; `code` EPROTO for a dump without its end.
   */
  packSockDiagMessages(family: 4 | 6 | 'unix', messages: Uint8Array): { records: Uint8Array } | { code: string };
  /**
   * The digest of every element of a JSON array of arrays (as JSON.stringify writes it),
   * hashed on a pool thread: versionDigest of each element's text, 16 characters each,
   * back to back (native/digest.c).
   */
  digestJsonElements(json: string): Promise<string>;
  /**
   * Pairs equal digests of two strings of 16-character digests one to one: positions
   * left unpaired on each side (ascending), and the first side's digests sorted and
   * joined with '\n' (native/digest.c).
   */
  matchDigests(current: string, open: string): { sortedCurrent: string; unmatched: Int32Array; vanished: Int32Array };
  /**
   * Adds the '\n'-separated elements of `added` to an LtHash16 state (2048 bytes,
   * little-endian lanes, updated in place) and subtracts those of `removed` (native/set-hash.c).
   */
  ltHashUpdate(state: Uint8Array, added: string, removed: string): void;
  /** A JSON assembler with no pieces yet, for assembleJson (native/json-assembly.c). */
  createJsonAssembler(): JsonAssembler;
  /**
   * Adds `pieces` (each ending with '\n'; '' for none) to the assembler, then writes the JSON
   * text of tokens[0, count) into `out`: the bytes written, or minus the bytes needed when
   * `out` is too small (src/render/json-tokens.ts says what a token is).
   */
  assembleJson(assembler: JsonAssembler, pieces: string, tokens: Float64Array, count: number, out: Uint8Array): number;
}

/** The addon's piece table for assembleJson (an opaque handle, freed with it). */
export type JsonAssembler = { readonly __jsonAssembler: unique symbol };

/** How the addon was found, or why it was not: for `doctor` and `--debug`. */
export interface NativeAddonStatus {
  loaded: boolean;
  /** the .node file loaded (or the one that failed to load); null when none was found. */
  file: string | null;
  /** `prebuild`: shipped in the package (native/prebuilds/); `compiled`: built here by node-gyp (native/build/). */
  origin: 'prebuild' | 'compiled' | null;
  /** why it is not loaded; null when it is. */
  reason: string | null;
}

/**
 * The native/ directory: three levels up from dist/src/native/native-addon.js, two from
 * src/native/ (tests) and from the bin bundle in dist/bin/.
 */
function nativeDirectory(): string | null {
  for (const candidate of ['../../../native/', '../../native/']) {
    const directory = fileURLToPath(new URL(candidate, import.meta.url));
    if (fs.existsSync(path.join(directory, 'binding.gyp'))) return directory;
  }
  return null;
}

/**
 * Finds and loads the addon. node-gyp-build picks the file, as it does for the packages
 * that ship prebuilds (leveldown, sodium-native...): a build compiled here
 * (native/build/Release) first, else the prebuild matching this platform, architecture
 * and libc (native/prebuilds/linux-x64/sockaudit.glibc.node...). The file is then loaded
 * with process.dlopen, which is what require() does for a .node file, without require's
 * module machinery: createRequire alone loads Node's ES module loader, about a
 * millisecond of every run's start-up.
 */
function loadNativeAddon(): { addon: NativeAddon | null; status: NativeAddonStatus } {
  const directory = nativeDirectory();
  if (directory === null) return { addon: null, status: { loaded: false, file: null, origin: null, reason: 'the native/ directory is missing from this installation' } };
  let file: string;
  try {
    file = nodeGypBuild.resolve(directory);
  } catch {
    const reason = `no compiled addon in ${path.join(directory, 'build')} and no prebuild for ${process.platform}-${process.arch} in ${path.join(directory, 'prebuilds')} (the install could not compile it)`;
    return { addon: null, status: { loaded: false, file: null, origin: null, reason } };
  }
  const origin = file.startsWith(path.join(directory, 'prebuilds') + path.sep) ? 'prebuild' : 'compiled';
  const addon = { exports: {} };
  try {
    process.dlopen(addon, file);
    return { addon: addon.exports as NativeAddon, status: { loaded: true, file, origin, reason: null } };
  } catch (error) {
    // built for another Node ABI (a node upgrade since npm ci), or for another libc: as if not built
    if (errnoCode(error) !== 'ERR_DLOPEN_FAILED') throw error;
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300);
    return { addon: null, status: { loaded: false, file, origin, reason: `it failed to load: ${message}` } };
  }
}

const loaded = loadNativeAddon();

/** The addon, or null when this installation has none that loads. */
export const nativeAddon: NativeAddon | null = loaded.addon;

/** Where the addon came from, or why it is not loaded. */
export const nativeAddonStatus: NativeAddonStatus = loaded.status;

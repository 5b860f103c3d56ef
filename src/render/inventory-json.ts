import type { CommandIo } from '../io.js';
import { unixPeerIndex, type UnixPeerIndex } from '../inventory/unix-peers.js';
import { nativeAddon, type NativeAddon } from '../native/native-addon.js';
import { JsonTokens, peerOwner, type PeerOwner } from './json-tokens.js';
import { NO_OWNERS, type Inventory, type SocketRecord } from '../model/socket-record.js';

/**
 * Sockets per chunk of JSON.stringify (without the addon): about 100 KB of JSON. Large
 * enough to amortise the call and the write; small enough that each chunk's strings and
 * write buffer stay below V8's large-object size and malloc's mmap threshold, so they
 * reuse memory already mapped.
 * At 2,000 per chunk (1 MB) every chunk mapped fresh pages three times over (the string,
 * its flattened copy, the UTF-8 buffer): 20 ms more at 50,000 sockets, and 35,000 page
 * faults in the run.
 */
export const SOCKETS_PER_CHUNK = 200;

/**
 * Writes `{ "meta", "sockets", "warnings" }`, the JSON contract of collect --json and
 * show --json: the same text as JSON.stringify of that object plus a newline, but in
 * chunks, waiting for stdout to drain between them. A 50,000-socket inventory is 20 MB
 * of JSON, which need not exist in memory at once.
 *
 * A unix socket with a known peer (`peerInode`) gets `peerOwners` too: the owners (pid,
 * fd, comm, exe) of the socket at the other end, looked up in `peersFrom` (every socket of
 * the inventory, though the sockets written may be filtered); [] when no process holds it
 * or it is not in the inventory.
 *
 * The sockets' text is assembled by the addon from JSON tokens (json-tokens.ts), or, with
 * no addon or `assembler: null`, made by JSON.stringify: the same text either way.
 * Measured at 50,000 sockets: the JSON took 59-72 ms instead of 85-99 (7 fresh processes
 * each, and one at 107 ms), a whole collect --json 289 ms instead of 311 (25 A/B rounds).
 */
export async function writeInventoryJson(
  inventory: Inventory,
  io: CommandIo,
  options: { peersFrom?: readonly SocketRecord[]; assembler?: JsonAssembly | null } = {},
): Promise<void> {
  const peers = unixPeerIndex(options.peersFrom ?? inventory.sockets, inventory.sockets);
  const { sockets } = inventory;
  io.stdout(`{"meta":${JSON.stringify(inventory.meta)},"sockets":[`);
  // an addon built before it had assembleJson (an older native/build) writes as without one
  const assembler = options.assembler !== undefined ? options.assembler : typeof nativeAddon?.assembleJson === 'function' ? nativeAddon : null;
  if (assembler !== null) await writeSocketsAssembled(sockets, peers, io, assembler);
  else await writeSocketsStringified(sockets, peers, io);
  io.stdout(`],"warnings":${JSON.stringify(inventory.warnings)}}\n`);
}

/** The addon's calls that assemble JSON from tokens (native/json-assembly.c). */
export type JsonAssembly = Pick<NativeAddon, 'createJsonAssembler' | 'assembleJson'>;

/** Sockets per assembled chunk: about 600 KB of JSON at collect's usual records, in one reused buffer. */
const SOCKETS_PER_ASSEMBLY = 1000;

/**
 * The sockets as JSON tokens (json-tokens.ts), assembled into text by the addon, chunk by
 * chunk, on this thread. Assembled on a pool thread while this thread made the next
 * chunk's tokens, the JSON took longer (61-85 against 59-67 ms at 50,000 sockets, 12 and 6
 * runs): the pool thread waited 7-36 ms in all for a core, taken by V8's compiler threads.
 */
async function writeSocketsAssembled(sockets: readonly SocketRecord[], peers: UnixPeerIndex | null, io: CommandIo, addon: JsonAssembly): Promise<void> {
  const assembler = addon.createJsonAssembler();
  const tokens = new JsonTokens();
  let out = Buffer.allocUnsafeSlow(1 << 20);
  for (let start = 0; start < sockets.length; start += SOCKETS_PER_ASSEMBLY) {
    tokens.length = 0;
    addChunkTokens(sockets, start, Math.min(start + SOCKETS_PER_ASSEMBLY, sockets.length), peers, tokens);
    let written = addon.assembleJson(assembler, tokens.takeNewPieces(), tokens.tokens, tokens.length, out);
    if (written < 0) {
      // more than the buffer holds (long command lines): once more, into one large enough
      out = Buffer.allocUnsafeSlow(-written * 2);
      written = addon.assembleJson(assembler, '', tokens.tokens, tokens.length, out);
    }
    io.stdoutBytes(out.subarray(0, written));
    await io.drained();
  }
}

/** One chunk's tokens: a loop of its own, apart from the async writer (as lendPeerOwners, below). */
function addChunkTokens(sockets: readonly SocketRecord[], start: number, end: number, peers: UnixPeerIndex | null, tokens: JsonTokens): void {
  for (let i = start; i < end; i++) {
    const socket = sockets[i]!;
    if (i !== 0) tokens.addComma();
    const peerOwners = peers === null || socket.peerInode === null || socket.peerInode === undefined ? null : (peers.get(socket.peerInode)?.owners ?? NO_OWNERS);
    tokens.addSocket(socket, peerOwners);
  }
}

/** The sockets by JSON.stringify, chunk by chunk: where no addon is loaded. */
async function writeSocketsStringified(sockets: readonly SocketRecord[], peers: UnixPeerIndex | null, io: CommandIo): Promise<void> {
  for (let start = 0; start < sockets.length; start += SOCKETS_PER_CHUNK) {
    const slice = sockets.slice(start, start + SOCKETS_PER_CHUNK) as WrittenRecord[];
    if (peers !== null) lendPeerOwners(slice, peers);
    // one stringify call per chunk (its brackets cut off): faster than one per socket
    const chunk = JSON.stringify(slice);
    // peerOwners is lent to the records for the stringify alone, and taken back at once.
    // A copy of each record with it ({ ...socket, peerOwners }) cost 25 ms and 18 MB of heap
    // at 50,000 sockets; adding the property and deleting it again (V8 undoes the last
    // property added: the record keeps its shape) costs neither.
    if (peers !== null) takeBackPeerOwners(slice);
    // the comma written on its own: joined to the chunk, the 100 KB string was copied once
    // more to flatten it before encoding (20 MB of copies at 50,000 sockets)
    if (start !== 0) io.stdout(',');
    io.stdout(chunk.slice(1, -1));
    await io.drained();
  }
}

/** A record as written: a connected unix socket's with the owners of its peer. */
type WrittenRecord = SocketRecord & { peerOwners?: PeerOwner[] };

/**
 * Gives each connected unix socket of a chunk the owners of its peer. Loops of their own,
 * apart from the async writer: inside it, they ran in V8's slower tiers (its loop was
 * deoptimised and re-optimised around each await).
 */
function lendPeerOwners(slice: WrittenRecord[], peers: UnixPeerIndex): void {
  for (let i = 0; i < slice.length; i++) {
    const socket = slice[i]!;
    if (socket.peerInode === null || socket.peerInode === undefined) continue;
    const owners = peers.get(socket.peerInode)?.owners ?? NO_OWNERS;
    // arrays of their exact size: a first push into [] gives it room for 17
    socket.peerOwners = owners.length === 1 ? [peerOwner(owners[0]!)] : owners.map(peerOwner);
  }
}

function takeBackPeerOwners(slice: WrittenRecord[]): void {
  for (let i = 0; i < slice.length; i++) if (slice[i]!.peerOwners !== undefined) delete slice[i]!.peerOwners;
}

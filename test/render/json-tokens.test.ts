/**
 * JSON tokens (src/render/json-tokens.ts) and their assembly into text: the addon's
 * assembleJson (native/json-assembly.c) against its JavaScript twin assembleJsonTokens, and
 * the text of every socket against JSON.stringify's, on the captured trees, on records built
 * from hostile values, and on records JSON.stringify writes with fewer keys.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { collectInventory } from '../../src/inventory/collect.js';
import { memoryIo } from '../../src/io.js';
import { RECORD_KEYS } from '../../src/model/record-shapes.js';
import { OWNER_KEYS, type SocketOwner, type SocketRecord } from '../../src/model/socket-record.js';
import { nativeAddon, type JsonAssembler } from '../../src/native/native-addon.js';
import { writeInventoryJson } from '../../src/render/inventory-json.js';
import { assembleJsonTokens, JsonTokens } from '../../src/render/json-tokens.js';
import { readSnapshot } from '../../src/store/read-snapshot.js';
import { writeSnapshot } from '../../src/store/write-snapshot.js';
import { inventory, owner, socket } from '../diff/socket-builders.js';
import { hostileString } from '../helpers/hostile-strings.js';
import { tempStore } from '../store/temp-store.js';

const PROC_DIR = path.resolve(import.meta.dirname, '../../fixtures/proc');
const TREES = fs
  .readdirSync(PROC_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

/** A connected unix socket's peer owners as collect --json writes them. */
const peerView = (owners: readonly SocketOwner[]) => owners.map((o) => ({ pid: o.pid, fd: o.fd, comm: o.comm, exe: o.exe }));

/** The JSON.stringify text of sockets (with their peer owners) joined as writeInventoryJson joins them. */
function stringified(sockets: readonly { record: SocketRecord; peers: readonly SocketOwner[] | null }[]): string {
  return sockets.map(({ record, peers }) => JSON.stringify(peers === null ? record : { ...record, peerOwners: peerView(peers) })).join(',');
}

function tokensOf(sockets: readonly { record: SocketRecord; peers: readonly SocketOwner[] | null }[]): JsonTokens {
  const tokens = new JsonTokens();
  sockets.forEach(({ record, peers }, i) => {
    if (i !== 0) tokens.addComma();
    tokens.addSocket(record, peers);
  });
  return tokens;
}

/** The text the addon assembles from the tokens, retrying once with the room it asks for. */
function assembled(tokens: JsonTokens): string {
  const addon = nativeAddon!;
  const assembler = addon.createJsonAssembler();
  let out = Buffer.alloc(16);
  let written = addon.assembleJson(assembler, tokens.takeNewPieces(), tokens.tokens, tokens.length, out);
  if (written < 0) {
    out = Buffer.alloc(-written);
    written = addon.assembleJson(assembler, '', tokens.tokens, tokens.length, out);
  }
  return out.subarray(0, written).toString('utf8');
}

const hostileText = fc.oneof(hostileString, fc.string({ unit: 'binary' }), fc.constant(''));
/** Any value a field could be given, including what JSON.stringify writes oddly or leaves out. */
const anyValue = fc.oneof(
  { weight: 4, arbitrary: hostileText },
  { weight: 3, arbitrary: fc.oneof(fc.nat(), fc.integer(), fc.constantFrom(0, -0, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, 2 ** 64, -1)) },
  { weight: 1, arbitrary: fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, 1.5, 1e21, 5e-324)) },
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(hostileText, fc.integer(), fc.constant(null)), { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
const hostileOwner = fc.record({
  pid: fc.oneof(fc.nat(), anyValue),
  fd: fc.oneof(fc.nat(), anyValue),
  comm: fc.oneof(hostileText, fc.constant(null)),
  exe: fc.oneof(hostileText, fc.constant(null), anyValue),
  cmdline: fc.oneof(hostileText, fc.constant(null)),
  uid: fc.oneof(fc.nat(), fc.constant(null)),
  user: fc.oneof(hostileText, fc.constant(null)),
}) as fc.Arbitrary<SocketOwner>;
/** A record of the field table's keys, each field hostile or odd with some chance, its owners too. */
const hostileRecord = fc
  .tuple(
    fc.array(fc.tuple(fc.constantFrom(...RECORD_KEYS), anyValue), { maxLength: 6 }),
    fc.oneof(fc.array(hostileOwner, { maxLength: 3 }), fc.constant([] as SocketOwner[]), fc.constant([undefined, null, 7] as unknown as SocketOwner[]), anyValue as unknown as fc.Arbitrary<SocketOwner[]>),
  )
  .map(([changes, owners]) => {
    const record = socket({ owners }) as unknown as Record<string, unknown>;
    for (const [key, value] of changes) if (key !== 'owners') record[key] = value;
    return record as unknown as SocketRecord;
  });
const hostileSocket = fc.record({ record: hostileRecord, peers: fc.oneof(fc.constant(null), fc.array(hostileOwner, { maxLength: 2 })) });

describe('JSON tokens assembled in JavaScript (assembleJsonTokens)', () => {
  it('write every socket as JSON.stringify does, whatever its values (property)', () => {
    fc.assert(
      fc.property(fc.array(hostileSocket, { maxLength: 8 }), (sockets) => {
        const tokens = tokensOf(sockets);
        expect(assembleJsonTokens(tokens.pieces, tokens.tokens, tokens.length)).toBe(stringified(sockets));
      }),
      { numRuns: 400 },
    );
  });

  it('write a record JSON.stringify writes with a key left out (undefined, a function, a symbol) as JSON.stringify does', () => {
    const cases: SocketRecord[] = [
      { ...socket({}), state: undefined } as unknown as SocketRecord,
      { ...socket({}), netns: undefined } as unknown as SocketRecord, // the first key
      { ...socket({}), peerInode: (() => 1) as unknown as number },
      { ...socket({}), path: Symbol('x') as unknown as string },
      socket({ owners: [{ ...owner(1, '/bin/a'), user: undefined } as unknown as SocketOwner] }),
      socket({ container: { toJSON: () => undefined } as unknown as SocketRecord['container'] }),
    ];
    for (const record of cases) {
      const sockets = [{ record, peers: null }, { record: socket({ inode: 7 }), peers: [{ ...owner(2, '/bin/b'), comm: undefined } as unknown as SocketOwner] }];
      const tokens = tokensOf(sockets);
      expect(assembleJsonTokens(tokens.pieces, tokens.tokens, tokens.length)).toBe(stringified(sockets));
    }
  });

  it('are numbers: safe integers >= 0 as themselves, a string once as a piece however often it occurs', () => {
    const record = socket({ localPort: 8080, inode: 2 ** 40, netnsName: 'host', owners: [owner(100, '/usr/sbin/sshd'), owner(101, '/usr/sbin/sshd')] });
    const tokens = tokensOf([{ record, peers: null }, { record, peers: null }]);
    const used = Array.from(tokens.tokens.subarray(0, tokens.length));
    expect(used).toContain(8080);
    expect(used).toContain(2 ** 40);
    expect(tokens.pieces.filter((piece) => piece === '"/usr/sbin/sshd"')).toHaveLength(1);
    expect(tokens.pieces.every((piece) => !piece.includes('\n'))).toBe(true);
  });

  it('refuse a token that names no piece, or an integer beyond the safe range', () => {
    expect(() => assembleJsonTokens(['a'], Float64Array.of(-2), 1)).toThrow(RangeError);
    expect(() => assembleJsonTokens([], Float64Array.of(2 ** 53), 1)).toThrow(RangeError);
    expect(() => assembleJsonTokens([], Float64Array.of(1.5), 1)).toThrow(RangeError);
  });
});

describe.skipIf(nativeAddon === null)('JSON tokens assembled by the addon (skipped without the addon: npm run build:native)', () => {
  it('write exactly what the JavaScript twin writes, for any tokens (property)', () => {
    const anyPiece = fc.oneof(hostileText, fc.string({ unit: 'binary' })).map((text) => JSON.stringify(text));
    fc.assert(
      fc.property(
        fc.array(anyPiece, { minLength: 1, maxLength: 20 }),
        fc.array(fc.oneof(fc.nat(), fc.constantFrom(0, -0, 9, 10, 2 ** 32, Number.MAX_SAFE_INTEGER), fc.nat({ max: 19 }).map((i) => -(i + 1))), { maxLength: 60 }),
        (pieces, raw) => {
          const tokens = Float64Array.from(raw.map((token) => (token < 0 ? -(((-token - 1) % pieces.length) + 1) : token)));
          const addon = nativeAddon!;
          const assembler = addon.createJsonAssembler();
          const out = Buffer.alloc(1 << 16);
          const written = addon.assembleJson(assembler, pieces.map((piece) => piece + '\n').join(''), tokens, tokens.length, out);
          expect(out.subarray(0, written).toString('utf8')).toBe(assembleJsonTokens(pieces, tokens, tokens.length));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('write every hostile socket as JSON.stringify does (property)', () => {
    fc.assert(
      fc.property(fc.array(hostileSocket, { maxLength: 8 }), (sockets) => {
        expect(assembled(tokensOf(sockets))).toBe(stringified(sockets));
      }),
      { numRuns: 300 },
    );
  });

  it('keep the pieces of earlier calls, and ask for the room a chunk needs rather than write past the buffer', () => {
    const addon = nativeAddon!;
    const assembler = addon.createJsonAssembler();
    const backing = Buffer.alloc(16, 0x2a);
    expect(addon.assembleJson(assembler, '"abc"\n,\n', Float64Array.of(-1, -2, 12345), 3, backing.subarray(0, 8))).toBe(-11);
    expect(backing.subarray(8).toString()).toBe('********'); // nothing written past the 8 bytes given
    const room = Buffer.alloc(11);
    expect(addon.assembleJson(assembler, '', Float64Array.of(-1, -2, 12345), 3, room)).toBe(11);
    expect(room.toString()).toBe('"abc",12345');
    expect(addon.assembleJson(assembler, '[]\n', Float64Array.of(-3, -1, 0), 3, room)).toBe(8);
    expect(room.subarray(0, 8).toString()).toBe('[]"abc"0');
  });

  it('refuse bad tokens and arguments with an error, not a crash', () => {
    const addon = nativeAddon!;
    const assembler = addon.createJsonAssembler();
    const out = Buffer.alloc(64);
    const pieces = '"a"\n';
    expect(() => addon.assembleJson(assembler, pieces, Float64Array.of(-2), 1, out)).toThrow(RangeError); // no piece 1
    for (const token of [2 ** 53, 1.5, NaN, Infinity, -Infinity, -1.5]) expect(() => addon.assembleJson(assembler, '', Float64Array.of(token), 1, out)).toThrow(RangeError);
    expect(() => addon.assembleJson(assembler, '"b"', Float64Array.of(-1), 1, out)).toThrow(/line feed/);
    expect(() => addon.assembleJson(assembler, '', Float64Array.of(-1), 2, out)).toThrow(TypeError); // count beyond the tokens
    expect(() => addon.assembleJson({} as JsonAssembler, '', Float64Array.of(-1), 1, out)).toThrow(TypeError);
    expect(() => addon.assembleJson(assembler, '', Int32Array.of(1) as unknown as Float64Array, 1, out)).toThrow(TypeError);
    expect(() => addon.assembleJson(assembler, 7 as unknown as string, Float64Array.of(-1), 1, out)).toThrow(TypeError);
    expect(addon.assembleJson(assembler, '', Float64Array.of(-1), 1, out)).toBe(3); // still usable
  });
});

describe('writeInventoryJson: tokens or JSON.stringify, the same text', () => {
  const paths = nativeAddon === null ? [] : [['the addon', undefined] as const];
  it.each(TREES)('on the captured tree %s, every socket and a filtered few (peers looked up among all)', async (tree) => {
    const collected = await collectInventory({ procRoot: path.join(PROC_DIR, tree) });
    for (const sockets of [collected.sockets, collected.sockets.filter((_, i) => i % 3 === 0)]) {
      const expected = JSON.stringify({ meta: collected.meta, sockets: sockets.map((record) => withPeers(record, collected.sockets)), warnings: collected.warnings }) + '\n';
      for (const [, assembler] of [...paths, ['JSON.stringify', null] as const]) {
        const io = memoryIo();
        await writeInventoryJson({ ...collected, sockets }, io, { peersFrom: collected.sockets, assembler });
        expect(io.out).toBe(expected);
      }
    }
  });

  it.skipIf(nativeAddon === null)('on this host\'s live /proc, with its unix peers (skipped without the addon)', async () => {
    const collected = await collectInventory({ procRoot: '/proc' });
    const [assembled, stringified] = [memoryIo(), memoryIo()];
    await writeInventoryJson(collected, assembled);
    await writeInventoryJson(collected, stringified, { assembler: null });
    expect(collected.sockets.length).toBeGreaterThan(0);
    expect(assembled.out).toBe(stringified.out);
  });

  it.skipIf(nativeAddon === null)('in chunks, across the assembler buffer growing for a long command line', async () => {
    const long = '/usr/bin/x ' + 'a'.repeat(3 << 20); // more than the 1 MiB buffer in one socket
    const sockets = Array.from({ length: 2500 }, (_, i) => socket({ inode: i + 1, localPort: i % 65536, owners: i === 1700 ? [{ ...owner(9, '/usr/bin/x'), cmdline: long }] : [owner(i, '/usr/bin/y')] }));
    const io = memoryIo();
    await writeInventoryJson(inventory(sockets), io);
    expect(io.out).toBe(JSON.stringify({ meta: inventory(sockets).meta, sockets, warnings: [] }) + '\n');
  });

  it('on a stored snapshot read back, as show --json writes it; records and owners keep the keys the tokens write', async () => {
    const collected = await collectInventory({ procRoot: path.join(PROC_DIR, 'sockload-1k') });
    const { store, cleanup } = await tempStore();
    try {
      const { id } = await writeSnapshot(store, collected, { host: 'stored-host' });
      const stored = await readSnapshot(store, id);
      const [assembled, stringified] = [memoryIo(), memoryIo()];
      await writeInventoryJson(stored, assembled);
      await writeInventoryJson(stored, stringified, { assembler: null });
      expect(assembled.out).toBe(stringified.out);
      // the tokens write RECORD_KEYS and OWNER_KEYS in order: every record and owner is built so
      for (const inventory of [collected, stored]) {
        const owners = inventory.sockets.flatMap((record) => record.owners);
        expect(owners.length).toBeGreaterThanOrEqual(1000);
        for (const record of inventory.sockets) expect(Object.keys(record)).toEqual([...RECORD_KEYS]);
        for (const found of owners) expect(Object.keys(found)).toEqual([...OWNER_KEYS]);
      }
    } finally {
      await cleanup();
    }
  });
});

/** A record as written: with its peer's owners when it has a peer inode. */
function withPeers(record: SocketRecord, all: readonly SocketRecord[]): object {
  if (record.peerInode === null || record.peerInode === undefined) return record;
  const peer = all.find((candidate) => candidate.family === 'unix' && candidate.inode === record.peerInode);
  return { ...record, peerOwners: peerView(peer?.owners ?? []) };
}

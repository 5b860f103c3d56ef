/**
 * The socket record's field table (src/model/record-fields.ts) drives the record factory, the
 * stored content, the identity keys and the diff. These tests pin what it derives today (so
 * that no stored text, digest, key or diff changes unnoticed), prove that what is built from
 * it follows it, and that adding a field to the table changes every derived list at once.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { compareRecords } from '../../src/diff/compare-records.js';
import { UNTOUCHED_FIELDS } from '../../src/diff/diff-inventories.js';
import { socketKey } from '../../src/inventory/socket-key.js';
import {
  COMPARED_FIELDS,
  CONTENT_LENGTHS,
  deriveFieldLists,
  GIVEN,
  HOST_EMPTIED_FIELDS,
  KEY_FIELDS,
  KEY_SHAPES,
  RECORD_FIELDS,
  RECORD_KEYS,
  STORE_GROUPS,
  STORED_FIELDS,
  type KeyShape,
  type RecordField,
  type StoreGroup,
} from '../../src/model/record-fields.js';
import { compileEmptyRecord, emptyRecord, RECORD_SHAPE_EXEMPLARS } from '../../src/model/record-shapes.js';
import { NO_OWNERS, type SocketRecord } from '../../src/model/socket-record.js';
import { canonicalSocket, versionDigest } from '../../src/store/canonical-socket.js';
import { compileContentFields, decodeVersionContent, encodeVersionContent } from '../../src/store/version-record.js';
import { REPO_ROOT } from '../helpers/live.js';
import { makeOwner, makeRecord } from '../store/make-record.js';

const TABLE = RECORD_FIELDS as readonly RecordField[];
const REDIS = { runtime: 'docker' as const, id: 'f'.repeat(64), name: 'redis-1', image: 'redis:7', podName: null, podNamespace: null };

/** One record per content length, with the text it must store: versions already stored hold exactly these encodings. */
const GOLDEN: { length: number; record: SocketRecord; content: string }[] = [
  {
    length: 16,
    record: makeRecord({ inode: 1000 }),
    content: '[4026531840,"host","tcp",4,null,null,"LISTEN","0.0.0.0",22,"0.0.0.0",0,null,null,1000,0,"wildcard"]',
  },
  {
    length: 16,
    record: makeRecord({ family: 'unix', ipVersion: null, type: 'stream', state: 'LISTEN', localAddress: null, localPort: null, remoteAddress: null, remotePort: null, path: '/run/a b.sock', inode: 7, uid: null, exposure: null }),
    content: '[4026531840,"host","unix",null,"stream",null,"LISTEN",null,null,null,null,"/run/a b.sock",null,7,null,null]',
  },
  {
    length: 18,
    record: makeRecord({ ipVersion: 6, localAddress: '::', localPort: 9101, remoteAddress: null, remotePort: null, inode: 1001, v6only: false, v6onlySource: 'socket' }),
    content: '[4026531840,"host","tcp",6,null,null,"LISTEN","::",9101,null,null,null,null,1001,0,"wildcard",false,"socket"]',
  },
  {
    length: 20,
    record: makeRecord({ netns: 4026532300, netnsName: 'container redis-1', localPort: 6379, inode: 1002, uid: 999, container: REDIS }),
    content: `[4026532300,"container redis-1","tcp",4,null,null,"LISTEN","0.0.0.0",6379,"0.0.0.0",0,null,null,1002,999,"wildcard",null,null,["docker","${'f'.repeat(64)}","redis-1","redis:7",null,null],null]`,
  },
  {
    length: 20,
    record: makeRecord({ ipVersion: 6, localAddress: '::', localPort: 8080, remoteAddress: null, remotePort: null, inode: 1004, v6only: true, v6onlySource: 'inferred', publishedTo: { container: null, address: '172.17.0.9', port: 80 } }),
    content: '[4026531840,"host","tcp",6,null,null,"LISTEN","::",8080,null,null,null,null,1004,0,"wildcard",true,"inferred",null,[null,"172.17.0.9",80]]',
  },
  {
    length: 21,
    record: makeRecord({ localPort: 80, remoteAddress: null, remotePort: null, inode: 1003, backlog: 511 }),
    content: '[4026531840,"host","tcp",4,null,null,"LISTEN","0.0.0.0",80,null,null,null,null,1003,0,"wildcard",null,null,null,null,511]',
  },
  {
    length: 21,
    record: makeRecord({ ipVersion: 6, localAddress: '::', localPort: 6380, remoteAddress: null, remotePort: null, inode: 1005, v6only: false, v6onlySource: 'socket', container: { ...REDIS, podName: 'web-7d9f', podNamespace: 'default' }, backlog: 4096 }),
    content: `[4026531840,"host","tcp",6,null,null,"LISTEN","::",6380,null,null,null,null,1005,0,"wildcard",false,"socket",["docker","${'f'.repeat(64)}","redis-1","redis:7","web-7d9f","default"],null,4096]`,
  },
];

/** What a stored snapshot knows of a record: the fields not stored are empty. */
function asStored(record: SocketRecord): SocketRecord {
  return { ...record, recvQueue: null, sendQueue: null, peerInode: null };
}

describe('stored content (version-record.ts, from the table)', () => {
  it('encodes 16-, 18-, 20- and 21-field contents exactly as versions were stored', () => {
    expect(new Set(GOLDEN.map((golden) => golden.length))).toEqual(new Set(CONTENT_LENGTHS));
    for (const { length, record, content } of GOLDEN) {
      expect(encodeVersionContent(record), content).toBe(content);
      expect(JSON.parse(content)).toHaveLength(length);
    }
  });

  it('decodes each group back to the record, keys in table order, and re-encodes to the same text', () => {
    for (const { record, content } of GOLDEN) {
      const owners = [makeOwner()];
      const decoded = decodeVersionContent(content, owners);
      expect(decoded).toEqual(asStored({ ...record, owners }));
      expect(Object.keys(decoded)).toEqual(RECORD_KEYS);
      expect(decoded.owners).toBe(owners);
      expect(encodeVersionContent(decoded)).toBe(content);
    }
  });

  it('keeps the digest of a version (its content and owners) as stored', () => {
    // digest of the 16-field content with one sshd owner, as every release since the first has written it
    const record = makeRecord({ inode: 1000, owners: [makeOwner()] });
    expect(canonicalSocket(record)).toBe(
      '[4026531840,"host","tcp",4,null,null,"LISTEN","0.0.0.0",22,"0.0.0.0",0,null,null,1000,0,"wildcard",[[100,3,"sshd","/usr/sbin/sshd","/usr/sbin/sshd -D",0,"root"]]]',
    );
    expect(versionDigest(canonicalSocket(record))).toBe(versionDigest(canonicalSocket(decodeVersionContent(encodeVersionContent(record), record.owners))));
  });

  it('re-encodes every version of the old fixture database to its stored text', () => {
    const db = new Database(path.join(REPO_ROOT, 'fixtures/stores/v1-history.db'), { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('select content from socket_versions').all() as { content: string }[];
      expect(rows.length).toBeGreaterThan(5);
      for (const { content } of rows) expect(encodeVersionContent(decodeVersionContent(content, []))).toBe(content);
    } finally {
      db.close();
    }
  });

  it('refuses a content whose last group is unknown or whose groups are malformed, with each group\'s words', () => {
    const base = GOLDEN[0]!.content.slice(0, -1);
    const damaged = (content: string) => {
      try {
        decodeVersionContent(content, []);
        return 'decoded';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(damaged(`${base},null,null]`)).toContain(STORE_GROUPS[1].damaged);
    expect(damaged(`${base},true,null]`)).toContain(STORE_GROUPS[1].damaged);
    expect(damaged(`${base},null,null,null,null]`)).toContain(STORE_GROUPS[2].damaged);
    expect(damaged(`${base},null,null,null,null,null]`)).toContain(STORE_GROUPS[3].damaged);
    expect(damaged(`${base},null,null,null,null,-1]`)).toContain(STORE_GROUPS[3].damaged);
    expect(damaged(`${base},null]`)).toContain('content is not a 16-, 18-, 20- or 21-field array');
  });
});

describe('the lists derived from the table', () => {
  it('are, today, what the code before the table had by hand', () => {
    expect(RECORD_KEYS).toEqual([
      'netns', 'netnsName', 'family', 'ipVersion', 'type', 'protocol', 'state', 'localAddress', 'localPort',
      'remoteAddress', 'remotePort', 'path', 'interface', 'inode', 'uid', 'recvQueue', 'sendQueue', 'owners', 'exposure',
      'v6only', 'v6onlySource', 'container', 'publishedTo', 'backlog', 'peerInode',
    ]);
    expect(STORED_FIELDS.map((entry) => `${entry.position}:${entry.name}`)).toEqual(
      ['netns', 'netnsName', 'family', 'ipVersion', 'type', 'protocol', 'state', 'localAddress', 'localPort', 'remoteAddress', 'remotePort', 'path', 'interface', 'inode', 'uid', 'exposure', 'v6only', 'v6onlySource', 'container', 'publishedTo', 'backlog'].map(
        (name, position) => `${position}:${name}`,
      ),
    );
    expect(CONTENT_LENGTHS).toEqual([16, 18, 20, 21]);
    const shape = (name: KeyShape) => KEY_SHAPES[name].map((part) => `${part.names.join('|')}:${part.read}`);
    expect(shape('inet')).toEqual(['netns|container:scope', 'family:value', 'ipVersion:value', 'localAddress:value', 'protocol|localPort:port']);
    expect(shape('inet-connected')).toEqual([...shape('inet'), 'remoteAddress:value', 'remotePort:value']);
    expect(shape('unix-path')).toEqual(['netns|container:scope', 'type:value', 'path:value', 'state:listening']);
    expect(shape('inode')).toEqual(['netns:value', 'family:value', 'type:value', 'protocol:value', 'inode:value']);
    expect(KEY_FIELDS).toEqual(['netns', 'family', 'ipVersion', 'type', 'protocol', 'state', 'localAddress', 'localPort', 'remoteAddress', 'remotePort', 'path', 'inode', 'container']);
    expect(COMPARED_FIELDS.map((entry) => `${entry.name}:${entry.rule}`)).toEqual(['state:change', 'owners:owners', 'uid:change', 'inode:instance', 'interface:change', 'backlog:change-when-known', 'v6only:v6only']);
    expect(UNTOUCHED_FIELDS).toEqual(['netns', 'family', 'ipVersion', 'type', 'protocol', 'state', 'localAddress', 'localPort', 'remoteAddress', 'remotePort', 'path', 'interface', 'inode', 'uid', 'backlog']);
    expect(HOST_EMPTIED_FIELDS).toEqual(['inode', 'peerInode']);
  });

  it('all follow a field added to the table (one edit), and no field stored before moves', () => {
    const mark = {
      name: 'mark',
      empty: null,
      exemplars: [null, 0],
      key: { inode: [5, 'value'] },
      hostNeutral: 'empty',
      stored: { group: 'mark', as: 'count' },
      compare: { rule: 'change', rank: 8 },
    } as unknown as RecordField;
    const groups: StoreGroup[] = [...STORE_GROUPS, { name: 'mark', presence: 'any', damaged: 'its mark is not a non-negative integer' }];
    const before = deriveFieldLists(TABLE, STORE_GROUPS);
    const after = deriveFieldLists([...TABLE, mark], groups);
    expect(after.recordKeys).toEqual([...before.recordKeys, 'mark']);
    expect(after.storedFields.slice(0, -1)).toEqual(before.storedFields);
    expect(after.storedFields.at(-1)).toMatchObject({ name: 'mark', position: 21, group: 4 });
    expect(after.contentLengths).toEqual([16, 18, 20, 21, 22]);
    expect(after.keyShapes.inode.map((part) => part.name)).toEqual([...before.keyShapes.inode.map((part) => part.name), 'mark']);
    expect(after.keyFields).toEqual([...before.keyFields, 'mark']);
    expect(after.comparedFields).toEqual([...before.comparedFields, { name: 'mark', rule: 'change' }]);
    expect(after.hostEmptiedFields).toEqual([...before.hostEmptiedFields, 'mark']);

    // the factory and the encoder built from the longer table: the new key last, a 22nd field only when known
    const factory = compileEmptyRecord([...TABLE, mark]);
    expect(Object.keys(factory('tcp'))).toEqual([...RECORD_KEYS, 'mark']);
    const encode = compileContentFields(after.storedFields, groups);
    for (const { record, content } of GOLDEN) {
      expect(JSON.stringify(encode({ ...record, mark: null } as SocketRecord))).toBe(content);
      expect(encode({ ...record, mark: 7 } as SocketRecord)).toHaveLength(22);
    }
    expect(JSON.stringify(encode({ ...GOLDEN[0]!.record, mark: 7 } as SocketRecord))).toBe(`${GOLDEN[0]!.content.slice(0, -1)},null,null,null,null,null,7]`);
  });

  it('refuses a table whose stored group or key positions do not add up', () => {
    const entry = (changes: Partial<RecordField>) => ({ ...TABLE[0]!, name: 'extra', ...changes }) as unknown as RecordField;
    expect(() => deriveFieldLists([...TABLE, entry({ stored: { group: 'nowhere', as: 'value' } })], STORE_GROUPS)).toThrow(/not list/);
    expect(() => deriveFieldLists([...TABLE, entry({ key: { inode: [9, 'value'] } })], STORE_GROUPS)).toThrow(/no part at position 5/);
    expect(() => deriveFieldLists([...TABLE, entry({ key: { inode: [0, 'scope'] } })], STORE_GROUPS)).toThrow(/read as value and scope/);
  });
});

describe('the record factory (record-shapes.ts)', () => {
  it('gives every field its empty value from the table, in table order, with the family given', () => {
    const record = emptyRecord('packet');
    expect(Object.keys(record)).toEqual(RECORD_KEYS);
    for (const entry of TABLE) expect(record[entry.name], entry.name).toBe(entry.empty === GIVEN ? 'packet' : entry.empty);
    expect(record.owners).toBe(NO_OWNERS);
    expect(emptyRecord('tcp')).not.toBe(emptyRecord('tcp'));
  });

  it('makes the shape exemplars from the table', () => {
    for (const which of [0, 1] as const) {
      const exemplar = RECORD_SHAPE_EXEMPLARS[which] as Record<string, unknown>;
      expect(Object.keys(exemplar)).toEqual(RECORD_KEYS);
      for (const entry of TABLE) expect(exemplar[entry.name], entry.name).toEqual(entry.exemplars[which]);
    }
  });

  const built = path.join(REPO_ROOT, 'dist/src/proc/parse-inet-table.js');
  describe.skipIf(!fs.existsSync(built))('in V8 (skipped unless built: needs dist/src from npm run build)', () => {
    it('gives one hidden class to the exemplars and to the records of the text parsers, the sock_diag decoder and the version decoder', () => {
      const script = `
        const load = (file) => import(${JSON.stringify(path.join(REPO_ROOT, 'dist/src'))} + '/' + file);
        const shapes = await load('model/record-shapes.js');
        const { parseInetTable } = await load('proc/parse-inet-table.js');
        const { parseUnixTable } = await load('proc/parse-unix-table.js');
        const { parseInetDiagRecords } = await load('proc/parse-inet-diag.js');
        const { decodeVersionContent } = await load('store/version-record.js');
        const tcp = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\\n' +
          '   0: 0100007F:0016 00000000:0000 0A 00000000:00000001 00:00000000 00000000     0        0 20571 1 0 20 4 30 10 -1\\n';
        const unix = 'Num       RefCount Protocol Flags    Type St Inode Path\\n0000000000000000: 00000002 00000000 00010000 0001 01 20123 /run/a.sock\\n';
        const diag = new Uint8Array(72); diag[0] = 2; diag[1] = 10;
        const records = [
          shapes.RECORD_SHAPE_EXEMPLARS[0], shapes.RECORD_SHAPE_EXEMPLARS[1],
          ...parseInetTable(tcp, { family: 'tcp', ipVersion: 4 }).rows, ...parseUnixTable(unix).rows,
          ...parseInetDiagRecords(diag, { family: 'tcp', ipVersion: 4 }),
          decodeVersionContent(${JSON.stringify(GOLDEN[6]!.content)}, []),
        ];
        records[2].netns = 4026531840; records[3].peerInode = 5; records[4].backlog = 128;
        process.stdout.write(JSON.stringify([...records.map((record) => %HaveSameMap(record, records[0])), %HaveSameMap({ ...records[0] }, records[0])]));
      `;
      const run = spawnSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: REPO_ROOT });
      expect(run.stderr).toBe('');
      // the last: a spread copy has keys in the same order but another class, so the check can fail
      expect(JSON.parse(run.stdout)).toEqual([true, true, true, true, true, true, false]);
    });
  });
});

describe('what the keys and the diff read (socket-key.ts, compare-records.ts)', () => {
  /** Another value of the same kind, so that a record keeps its family and shape. */
  function another(record: SocketRecord, name: keyof SocketRecord): unknown {
    const value = record[name];
    if (name === 'family') return record.family === 'tcp' ? 'udp' : record.family === 'packet' ? 'netlink' : 'tcp';
    if (name === 'owners') return [makeOwner({ pid: 999, exe: '/usr/bin/other', comm: 'other' })];
    if (name === 'state') return record.state === 'LISTEN' ? 'CLOSE' : 'LISTEN';
    if (name === 'v6only') return record.v6only === true ? false : true;
    if (name === 'v6onlySource') return record.v6onlySource === 'socket' ? 'inferred' : 'socket';
    if (name === 'exposure') return record.exposure === 'loopback' ? 'wildcard' : 'loopback';
    if (name === 'container') return { ...REDIS, name: `${record.container?.name ?? ''}x` };
    if (name === 'publishedTo') return { container: 'web', address: '172.17.0.2', port: (record.publishedTo?.port ?? 0) + 1 };
    if (typeof value === 'number') return value + 1;
    if (typeof value === 'string') return `${value}x`;
    const exemplar = TABLE.find((entry) => entry.name === name)!.exemplars[1];
    return typeof exemplar === 'number' ? exemplar + 7 : typeof exemplar === 'string' ? `${exemplar}x` : exemplar;
  }
  const bases: { shape: KeyShape; record: SocketRecord; choosesShape: (keyof SocketRecord)[] }[] = [
    { shape: 'inet', record: makeRecord({ remoteAddress: null, remotePort: null }), choosesShape: ['family', 'remoteAddress', 'remotePort'] },
    { shape: 'inet-connected', record: makeRecord({ state: 'ESTABLISHED', localAddress: '10.0.0.5', remoteAddress: '10.0.0.9', remotePort: 51000, exposure: 'specific' }), choosesShape: ['family'] },
    { shape: 'unix-path', record: makeRecord({ family: 'unix', ipVersion: null, type: 'stream', localAddress: null, localPort: null, remoteAddress: null, remotePort: null, path: '/run/x.sock', exposure: null }), choosesShape: ['family', 'path'] },
    { shape: 'inode', record: makeRecord({ family: 'packet', ipVersion: null, type: 'raw', protocol: 3, state: 'UNCONN', localAddress: null, localPort: null, remoteAddress: null, remotePort: null, exposure: null }), choosesShape: ['family', 'path'] },
  ];

  it('a key changes with each field its shape reads as a value, and with no field it does not read', () => {
    for (const { shape, record, choosesShape } of bases) {
      const parts = KEY_SHAPES[shape];
      const read = new Set(parts.flatMap((part) => part.names));
      for (const name of RECORD_KEYS) {
        if (choosesShape.includes(name)) continue;
        const changed = socketKey({ ...record, [name]: another(record, name) }) !== socketKey(record);
        if (!read.has(name)) expect(changed, `${shape} key reads ${name}, which the table does not give it`).toBe(false);
        else if (parts.some((part) => part.read === 'value' && part.names.includes(name))) expect(changed, `${shape} key ignores ${name}`).toBe(true);
      }
    }
  });

  it('a diff reports each compared field by its rule, and no field the table says it ignores', () => {
    const record = makeRecord({ localPort: 80, owners: [makeOwner()], backlog: 128 });
    for (const entry of TABLE) {
      if (entry.compare === 'key') continue;
      const changed = compareRecords(record, { ...record, [entry.name]: another(record, entry.name) });
      const reported = changed?.fields.map((change) => change.field) ?? [];
      if ('ignored' in entry.compare) expect(reported, `${entry.name} (${entry.compare.ignored})`).toEqual([]);
      else if (entry.compare.rule === 'change' || entry.compare.rule === 'change-when-known' || entry.compare.rule === 'instance') expect(reported, entry.name).toEqual([entry.name]);
    }
    // unknown on one side is no change for a change-when-known field
    expect(compareRecords(record, { ...record, backlog: null })).toBeNull();
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectInventory } from '../../src/inventory/collect.js';
import { InodeIndex } from '../../src/inventory/inode-index.js';
import { relistedPositions } from '../../src/inventory/relisted-sockets.js';
import { connection, socket } from '../diff/socket-builders.js';

const FIXTURE = path.resolve(__dirname, '../../fixtures/proc/sockload-1k');

function relisted(records: ReturnType<typeof socket>[]): number[] {
  return relistedPositions(records, new InodeIndex(records.map((record) => record.inode)));
}

describe('relistedPositions', () => {
  it('finds the second listing of a socket a dump met twice', () => {
    const client = connection(['127.0.0.1', 5000], ['127.0.0.1', 41000], { inode: 77 });
    expect(relisted([client, socket({ inode: 80 }), { ...client }])).toEqual([2]);
  });

  it('finds nothing when every inode is listed once', () => {
    expect(relisted([socket({ inode: 1 }), socket({ inode: 2, localPort: 23 })])).toEqual([]);
  });

  it('keeps an inode listed as two different sockets (an SCTP endpoint and its association)', () => {
    const endpoint = socket({ family: 'sctp', localPort: 9899, inode: 5 });
    const association = connection(['127.0.0.1', 9899], ['127.0.0.1', 40001], { family: 'sctp', inode: 5 });
    expect(relisted([endpoint, association])).toEqual([]);
  });

  it('keeps the same inode in two families apart (their keys differ)', () => {
    expect(relisted([socket({ inode: 9 }), socket({ inode: 9, family: 'udp', state: 'UNCONN' })])).toEqual([]);
  });
});

describe('the collector on a table that lists a socket twice', () => {
  const copies: string[] = [];
  afterAll(() => {
    for (const copy of copies) fs.rmSync(copy, { recursive: true, force: true });
  });

  it('lists the socket once, as on the tree without the repeat', async () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'sockaudit-relisted-'));
    copies.push(copy);
    // verbatim: the ns links' targets (net:[4026531840]) must stay as captured
    fs.cpSync(FIXTURE, copy, { recursive: true, verbatimSymlinks: true });
    const tcp = fs.readdirSync(copy).map((entry) => path.join(copy, entry, 'net/tcp')).find((file) => fs.existsSync(file))!;
    const lines = fs.readFileSync(tcp, 'utf8').split('\n');
    // the table's second socket again at its end, as a dump that resumed one short reads it
    fs.writeFileSync(tcp, [...lines.filter((line) => line !== ''), lines[2]!, ''].join('\n'));
    const repeatedInode = Number(lines[2]!.trim().split(/\s+/)[9]);
    const original = await collectInventory({ procRoot: FIXTURE });
    const repeated = await collectInventory({ procRoot: copy });
    expect(repeatedInode).toBeGreaterThan(0);
    expect(repeated.sockets.filter((record) => record.inode === repeatedInode)).toHaveLength(1);
    expect(repeated.sockets.length).toBe(original.sockets.length);
  });
});

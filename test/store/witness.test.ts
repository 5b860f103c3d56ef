import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWitness, readWitness, WitnessError, writeWitness } from '../../src/store/witness.js';
import { tempDir } from './temp-store.js';

const HASH = 'a'.repeat(64);

describe('the witness file', () => {
  it('is written 0600 by rename, with nothing left beside it, and reads back', () => {
    const { dir, cleanup } = tempDir();
    try {
      const db = path.join(dir, 's.db');
      writeWitness(db, [{ host: 'web1', id: 23, hash: HASH }], new Date('2026-11-28T05:00:00Z'));
      writeWitness(db, [{ host: 'web1', id: 24, hash: HASH }, { host: 'db\n1', id: 25, hash: HASH }], new Date('2026-11-28T05:05:00Z'));
      expect(fs.readdirSync(dir)).toEqual(['s.db.witness']);
      expect(fs.statSync(`${db}.witness`).mode & 0o777).toBe(0o600);
      expect(readWitness(db)).toEqual({
        writtenAt: '2026-11-28T05:05:00.000Z',
        heads: [{ host: 'web1', id: 24, hash: HASH }, { host: 'db\n1', id: 25, hash: HASH }],
      });
      expect(readWitness(path.join(dir, 'none.db'))).toBeNull();
    } finally {
      cleanup();
    }
  });

  it('refuses anything that is not exactly a witness', () => {
    const valid = { format: 'sockaudit-witness-1', writtenAt: '2026-11-28T05:00:00.000Z', heads: [{ host: 'h', id: 1, hash: HASH }] };
    const cases: [unknown, RegExp][] = [
      ['not json', /not JSON/],
      [[], /not an object/],
      [{ ...valid, format: 'sockaudit-witness-2' }, /format is not sockaudit-witness-1/],
      [{ ...valid, writtenAt: 'yesterday' }, /writtenAt is not a time/],
      [{ ...valid, heads: {} }, /heads is not a list/],
      [{ ...valid, heads: [{ host: '', id: 1, hash: HASH }] }, /heads\[0\]\.host/],
      [{ ...valid, heads: [{ host: 'h'.repeat(5000), id: 1, hash: HASH }] }, /heads\[0\]\.host/],
      [{ ...valid, heads: [{ host: 'h', id: 0, hash: HASH }] }, /heads\[0\]\.id/],
      [{ ...valid, heads: [{ host: 'h', id: 2 ** 60, hash: HASH }] }, /heads\[0\]\.id/],
      [{ ...valid, heads: [{ host: 'h', id: 1.5, hash: HASH }] }, /heads\[0\]\.id/],
      [{ ...valid, heads: [{ host: 'h', id: 1, hash: 'A'.repeat(64) }] }, /heads\[0\]\.hash/],
      [{ ...valid, heads: [{ host: 'h', id: 1, hash: HASH }, { host: 'h', id: 2, hash: HASH }] }, /appears twice/],
    ];
    for (const [value, message] of cases) {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      expect(() => parseWitness(text, 'W'), text.slice(0, 80)).toThrow(WitnessError);
      expect(() => parseWitness(text, 'W'), text.slice(0, 80)).toThrow(message);
    }
    expect(parseWitness(JSON.stringify(valid), 'W').heads).toEqual(valid.heads);
  });
});

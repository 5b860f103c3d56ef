/**
 * The exemplars in record-shapes.ts only spare V8 its hidden-class migrations if every
 * parser builds records with the same keys in the same order: RECORD_KEYS.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectInventory } from '../../src/inventory/collect.js';
import { RECORD_KEYS, RECORD_SHAPE_EXEMPLARS } from '../../src/model/record-shapes.js';
import { parseInetDiagRecords } from '../../src/proc/parse-inet-diag.js';
import { parseUnixDiagRecords } from '../../src/proc/parse-unix-diag.js';
import { REPO_ROOT } from '../helpers/live.js';

const PROC_DIR = path.join(REPO_ROOT, 'fixtures/proc');

describe('socket record key order', () => {
  it('is RECORD_KEYS for every record of every fixture tree, every family included', async () => {
    const families = new Set<string>();
    for (const name of fs.readdirSync(PROC_DIR, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
      const inventory = await collectInventory({ procRoot: path.join(PROC_DIR, name.name) });
      for (const socket of inventory.sockets) {
        expect(Object.keys(socket), `${name.name}: ${socket.family} ${socket.inode}`).toEqual(RECORD_KEYS);
        families.add(socket.family);
      }
    }
    // every parser is there (udplite, from sock-diag-netns, shares parseInetTable with tcp, udp, raw and icmp)
    expect([...families].sort()).toEqual(['icmp', 'netlink', 'packet', 'raw', 'sctp', 'tcp', 'udp', 'udplite', 'unix']);
  });

  it('is RECORD_KEYS for records decoded from sock_diag dumps', () => {
    const inet = new Uint8Array(72);
    inet[0] = 2;
    inet[1] = 10;
    const unix = new Uint8Array(12);
    unix[0] = 1;
    unix[1] = 10;
    expect(Object.keys(parseInetDiagRecords(inet, { family: 'tcp', ipVersion: 4 })[0]!)).toEqual(RECORD_KEYS);
    expect(Object.keys(parseUnixDiagRecords(unix)[0]!)).toEqual(RECORD_KEYS);
  });

  it('is the order of the exemplar records', () => {
    expect(Object.keys(RECORD_SHAPE_EXEMPLARS[0]!)).toEqual(RECORD_KEYS);
    expect(Object.keys(RECORD_SHAPE_EXEMPLARS[1]!)).toEqual(RECORD_KEYS);
  });
});

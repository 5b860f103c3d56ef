/**
 * Every socket `ss` lists, sockaudit lists too (matched by inode). Sockets that come and
 * go between the reads are allowed for: reads go ss, sockaudit, ss, sockaudit, and only an
 * inode seen by both ss runs yet by neither sockaudit run is a miss, in each of up to three
 * rounds.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { collectInventory } from '../../src/inventory/collect.js';
import { hasCommand } from '../helpers/live.js';

/** Inodes from `ss -a -n -e -A tcp,udp,unix,packet` output, per Netid. */
function ssInodes(): Map<number, string> {
  const result = spawnSync('ss', ['-a', '-n', '-e', '-A', 'tcp,udp,unix,packet'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  expect(result.status).toBe(0);
  const inodes = new Map<number, string>();
  for (const line of result.stdout.split('\n').slice(1)) {
    const tokens = line.trim().split(/\s+/);
    const netid = tokens[0];
    if (netid === undefined || netid === '') continue;
    if (netid.startsWith('u_')) {
      // "u_str ESTAB 0 0 <path, may hold spaces> INODE * PEER ..." : the local inode is the
      // number followed by the peer's "*" and the peer inode
      for (let i = 4; i + 2 < tokens.length; i++) {
        if (tokens[i + 1] === '*' && /^\d+$/.test(tokens[i]!) && /^\d+$/.test(tokens[i + 2]!)) {
          inodes.set(Number(tokens[i]), netid);
          break;
        }
      }
    } else {
      const match = /\bino:(\d+)/.exec(line);
      if (match !== null && match[1] !== '0') inodes.set(Number(match[1]), netid);
    }
  }
  return inodes;
}

describe.skipIf(!hasCommand('ss'))('comparison with ss (needs ss from iproute2)', () => {
  it('lists every socket ss lists, by inode', async () => {
    /** Inodes ss listed in both of its runs and sockaudit in neither of its runs between them. */
    const oneRound = async () => {
      const ssFirst = ssInodes();
      const oursFirst = await collectInventory({ procRoot: '/proc' });
      const ssSecond = ssInodes();
      const oursSecond = await collectInventory({ procRoot: '/proc' });
      const ours = new Set([...oursFirst.sockets, ...oursSecond.sockets].map((socket) => socket.inode));
      expect(ssFirst.size).toBeGreaterThan(0);
      // and the families agree where both list a socket
      const familyOf = new Map(oursSecond.sockets.map((socket) => [socket.inode, socket.family]));
      const netidFamily: Record<string, string> = { tcp: 'tcp', udp: 'udp', u_str: 'unix', u_dgr: 'unix', u_seq: 'unix', p_raw: 'packet', p_dgr: 'packet' };
      const disagreements = [...ssSecond].filter(([inode, netid]) => familyOf.has(inode) && netidFamily[netid] !== undefined && familyOf.get(inode) !== netidFamily[netid]);
      expect(disagreements).toEqual([]);
      return new Map([...ssFirst].filter(([inode]) => ssSecond.has(inode) && !ours.has(inode)));
    };
    // Other test files open and close sockets meanwhile (and a hostile unix name can make
    // ss's text ambiguous for a moment): a real miss shows in every round, churn does not.
    let missed = await oneRound();
    for (let round = 0; round < 2 && missed.size > 0; round++) {
      const again = await oneRound();
      missed = new Map([...missed].filter(([inode]) => again.has(inode)));
    }
    expect([...missed]).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { parseNetlinkTable } from '../../src/proc/parse-netlink-table.js';
import { parsePacketTable } from '../../src/proc/parse-packet-table.js';
import { parseSctpAssociations, parseSctpEndpoints } from '../../src/proc/parse-sctp-tables.js';

describe('parsePacketTable', () => {
  const header = 'sk               RefCnt Type Proto  Iface R Rmem   User   Inode\n';
  it('reads type, ethertype, interface index and uid', () => {
    const text = header + 'ffff8a0c4e1b8000 3      3    0003   2     1 0      0      31337\nffff8a0c4e1b9000 3      2    0800   0     1 128    101    31338\n';
    const { rows, problems } = parsePacketTable(text);
    expect(problems).toEqual([]);
    expect(rows[0]).toMatchObject({ family: 'packet', type: 'raw', protocol: 3, interface: 'ifindex:2', uid: 0, inode: 31337 });
    expect(rows[1]).toMatchObject({ type: 'dgram', protocol: 0x800, interface: null, uid: 101, recvQueue: 128 });
  });
  it.each([
    ['a short line', 'ffff8a0c4e1b8000 3 3 0003\n', /expected 9 fields/],
    ['a non-numeric inode', 'ffff8a0c4e1b8000 3      3    0003   2     1 0      0      x\n', /not a number/],
  ])('skips %s', (_name, line, reason) => {
    expect(parsePacketTable(header + line).problems).toEqual([{ line: 2, reason: expect.stringMatching(reason) }]);
  });
  it('refuses a header without the needed columns', () => {
    const { rows, problems } = parsePacketTable('sk RefCnt\nffff 3\n');
    expect(rows).toEqual([]);
    expect(problems[0]!.reason).toMatch(/no column "Type"/);
  });
});

describe('parseNetlinkTable', () => {
  it('reads the 10-column layout', () => {
    const text =
      'sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode\n' +
      'ffff8a0c41c3a000 0   812        00000551 0        0        0     2        0        20481\n';
    expect(parseNetlinkTable(text).rows[0]).toMatchObject({ family: 'netlink', protocol: 0, localPort: 812, inode: 20481, state: 'UNCONN' });
  });
  it('reads the 8-column layout of older kernels, with inode 0', () => {
    const text = 'sk       Eth Pid    Groups   Rmem     Wmem     Dump     Locks\nc1a0e000 15  0      00000001 0        0        00000000 2\n';
    const { rows, problems } = parseNetlinkTable(text);
    expect(problems).toEqual([]);
    expect(rows[0]).toMatchObject({ protocol: 15, localPort: 0, inode: 0 });
  });
  it.each([
    ['a truncated line', 'ffff8a0c41c3a000 0   812\n', /expected 10 fields/],
    ['a non-numeric protocol', 'ffff8a0c41c3a000 x   812        00000551 0        0        0     2        0        20481\n', /not a number/],
  ])('skips %s', (_name, line, reason) => {
    const header = 'sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode\n';
    expect(parseNetlinkTable(header + line).problems).toEqual([{ line: 2, reason: expect.stringMatching(reason) }]);
  });
});

describe('SCTP tables', () => {
  it('reads endpoints with several local addresses', () => {
    const text = ' ENDPT     SOCK   STY SST HBKT LPORT   UID INODE LADDRS\nffff88017e0a0200 ffff880299f7fa00 2   10  29   3868     0 209580 127.0.0.1 127.0.0.2 \n';
    expect(parseSctpEndpoints(text).rows[0]).toMatchObject({ family: 'sctp', type: 'stream', state: 'LISTEN', localAddress: '127.0.0.1', localPort: 3868, ipVersion: 4, inode: 209580 });
  });
  it('reads associations, preferring the primary (*) remote address', () => {
    const text =
      ' ASSOC     SOCK   STY SST ST HBKT ASSOC-ID TX_QUEUE RX_QUEUE UID INODE LPORT RPORT LADDRS <-> RADDRS HBINT INS OUTS MAXRT T1X T2X RTXC wmema wmemq sndbuf rcvbuf\n' +
      'ffff8801 ffff8802 0   1   3  1234    5        0        0     0 209581  3868 40000 ::1 <-> 127.0.0.9 *::1 \t 7500    10    10    2    0    0        0        1        0   212992   212992\n';
    const { rows, problems } = parseSctpAssociations(text);
    expect(problems).toEqual([]);
    expect(rows[0]).toMatchObject({ type: 'seqpacket', state: 'ESTABLISHED', localAddress: '::1', localPort: 3868, remoteAddress: '::1', remotePort: 40000, ipVersion: 6 });
  });
  it('skips an endpoint line with a bad address', () => {
    const text = ' ENDPT     SOCK   STY SST HBKT LPORT   UID INODE LADDRS\nffff88017e0a0200 ffff880299f7fa00 1   10  29   3868     0 209580 not-an-address\n';
    expect(parseSctpEndpoints(text).problems).toEqual([{ line: 2, reason: expect.stringMatching(/malformed/) }]);
  });
});

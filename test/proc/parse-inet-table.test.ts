import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseInetTable } from '../../src/proc/parse-inet-table.js';

const HEADER4 = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const HEADER6 =
  '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';

describe.skipIf(os.endianness() !== 'LE')('parseInetTable', () => {
  it('decodes a TCP listener, a connection and TIME_WAIT', () => {
    const text =
      HEADER4 +
      '   0: 0100007F:0016 00000000:0000 0A 00000000:00000001 00:00000000 00000000     0        0 20571 1 0000000000000000 100 0 0 10 0\n' +
      '   1: 0100007F:9C40 0100007F:0016 01 00000010:00000000 00:00000000 00000000  1000        0 20600 1 0000000000000000 20 4 30 10 -1\n' +
      '   2: 0100007F:9C41 0100007F:0016 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000\n';
    const { rows, problems } = parseInetTable(text, { family: 'tcp', ipVersion: 4 });
    expect(problems).toEqual([]);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ family: 'tcp', ipVersion: 4, state: 'LISTEN', localAddress: '127.0.0.1', localPort: 22, remoteAddress: null, remotePort: null, inode: 20571, uid: 0, recvQueue: 1, sendQueue: 0 });
    expect(rows[1]).toMatchObject({ state: 'ESTABLISHED', localPort: 40000, remoteAddress: '127.0.0.1', remotePort: 22, uid: 1000, sendQueue: 16 });
    expect(rows[2]).toMatchObject({ state: 'TIME_WAIT', inode: 0 });
  });

  it('maps datagram states to UNCONN and ESTABLISHED', () => {
    const text =
      HEADER4 +
      ' 100: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 3000 2 0000000000000000 0\n' +
      ' 101: 0100007F:D000 0100007F:0035 01 00000000:00000000 00:00000000 00000000     0        0 3001 2 0000000000000000 0\n';
    const { rows } = parseInetTable(text, { family: 'udp', ipVersion: 4 });
    expect(rows.map((row) => row.state)).toEqual(['UNCONN', 'ESTABLISHED']);
    expect(rows[1]).toMatchObject({ remoteAddress: '127.0.0.1', remotePort: 53 });
  });

  it('takes the raw "port" as the IP protocol', () => {
    const text = HEADER4 + '   1: 00000000:0001 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4000 2 0000000000000000 0\n';
    const [row] = parseInetTable(text, { family: 'raw', ipVersion: 4 }).rows;
    expect(row).toMatchObject({ family: 'raw', protocol: 1, localPort: null, remotePort: null, state: 'UNCONN' });
  });

  it('decodes IPv4-mapped IPv6 and ::1', () => {
    const text =
      HEADER6 +
      '   0: 0000000000000000FFFF00000100007F:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5000 1 0000000000000000 100 0 0 10 0\n' +
      '   1: 00000000000000000000000001000000:1F91 00000000000000000000000001000000:A000 01 00000000:00000000 00:00000000 00000000     0        0 5001 1 0000000000000000 100 0 0 10 0\n';
    const { rows } = parseInetTable(text, { family: 'tcp', ipVersion: 6 });
    expect(rows[0]).toMatchObject({ ipVersion: 6, localAddress: '::ffff:127.0.0.1', localPort: 8080 });
    expect(rows[1]).toMatchObject({ localAddress: '::1', remoteAddress: '::1', remotePort: 40960 });
  });

  it.each([
    ['too few fields', '   0: 0100007F:0016 00000000:0000 0A\n', /at least 10 fields/],
    ['truncated address', '   0: 0100007F:016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1\n', /malformed address/],
    ['non-hex address', '   0: 0100007X:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1\n', /not hex/],
    ['non-numeric inode', '   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 abc\n', /not a number/],
    ['queues without colon', '   0: 0100007F:0016 00000000:0000 0A 0000000000000000 00:00000000 00000000 0 0 1\n', /not a number/],
  ])('skips a line with %s and names its line number', (_name, line, reason) => {
    const { rows, problems } = parseInetTable(HEADER4 + line, { family: 'tcp', ipVersion: 4 });
    expect(rows).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.line).toBe(2);
    expect(problems[0]!.reason).toMatch(reason);
  });

  it('reports an unrecognised header', () => {
    const { problems } = parseInetTable('garbage header\n', { family: 'tcp', ipVersion: 4 });
    expect(problems[0]).toMatchObject({ line: 1 });
    expect(problems[0]!.reason).toMatch(/header/);
  });
});

import { describe, expect, it } from 'vitest';
import { parseUnixTable } from '../../src/proc/parse-unix-table.js';

const HEADER = 'Num       RefCount Protocol Flags    Type St Inode Path\n';

describe('parseUnixTable', () => {
  it('keeps paths with spaces whole and detects listeners', () => {
    const text = HEADER + '0000000000000000: 00000002 00000000 00010000 0001 01 20123 /run/my app/ctl sock\n';
    const [row] = parseUnixTable(text).rows;
    expect(row).toMatchObject({ family: 'unix', type: 'stream', state: 'LISTEN', inode: 20123, path: '/run/my app/ctl sock' });
  });

  it('drops the NUL padding of abstract names', () => {
    const text = HEADER + `0000000000000000: 00000002 00000000 00000000 0002 01 20124 @sockload-7-w1${'@'.repeat(90)}\n`;
    expect(parseUnixTable(text).rows[0]).toMatchObject({ type: 'dgram', state: 'UNCONN', path: '@sockload-7-w1' });
  });

  it('keeps an abstract name without padding as it is', () => {
    const text = HEADER + '0000000000000000: 00000002 00000000 00000000 0001 03 20126 @/tmp/.X11-unix/X0\n';
    expect(parseUnixTable(text).rows[0]!.path).toBe('@/tmp/.X11-unix/X0');
  });

  it('gives unnamed sockets a null path and maps states and types', () => {
    const text =
      HEADER +
      '0000000000000000: 00000003 00000000 00000000 0001 03 20125\n' +
      '0000000000000000: 00000003 00000000 00000000 0005 02 20127\n' +
      '0000000000000000: 00000003 00000000 00000000 0002 04 20128\n';
    const { rows } = parseUnixTable(text);
    expect(rows.map((row) => [row.type, row.state, row.path])).toEqual([
      ['stream', 'CONNECTED', null],
      ['seqpacket', 'CONNECTING', null],
      ['dgram', 'DISCONNECTING', null],
    ]);
  });

  it.each([
    ['truncated line', '0000000000000000: 00000002 00000000 00010000 0001\n', /fields/],
    ['garbage', 'hello world this is not a socket line at all\n', /fields/],
    ['non-hex flags', '0000000000000000: 00000002 00000000 0001000Z 0001 01 20123\n', /not a number/],
  ])('skips a %s with its line number', (_name, line, reason) => {
    const { rows, problems } = parseUnixTable(HEADER + line);
    expect(rows).toEqual([]);
    expect(problems).toEqual([{ line: 2, reason: expect.stringMatching(reason) }]);
  });

  it('reports an unrecognised header', () => {
    expect(parseUnixTable('sk Eth Pid\n').problems[0]).toMatchObject({ line: 1 });
  });
});

import { describe, expect, it } from 'vitest';
import { parseIfInet6, parseIgmp } from '../../src/proc/parse-interface-names.js';
import { parsePasswd } from '../../src/proc/parse-passwd.js';
import {
  parseCmdline,
  parseCommFile,
  parseNetnsLink,
  parseSocketLink,
  parseStatComm,
  parseStatusEffectiveUid,
} from '../../src/proc/parse-process-files.js';

describe('per-process files', () => {
  it.each([
    ['812 (sshd) S 1 812 812 0 -1', 'sshd'],
    ['1234 (evil) x (y) S 1 1234', 'evil) x (y'],
    ['99 () S 1', ''],
    ['no parens here', null],
  ])('stat %j -> comm %j', (text, comm) => {
    expect(parseStatComm(text)).toBe(comm);
  });

  it('strips the newline of comm', () => {
    expect(parseCommFile('my prog\n')).toBe('my prog');
  });

  it.each([
    ['Name:\tx\nUid:\t1000\t0\t0\t0\nGid:\t0\n', 0],
    ['Uid:\t33\t33\t33\t33\n', 33],
    ['Name:\tx\n', null],
    ['Uid:\n', null],
  ])('status %j -> effective uid %j', (text, uid) => {
    expect(parseStatusEffectiveUid(text)).toBe(uid);
  });

  it.each([
    ['/usr/bin/python3\0-m\0http.server\0', ['/usr/bin/python3', '-m', 'http.server']],
    ['app\0--password\0a b c\0', ['app', '--password', 'a b c']],
    ['app\0\0x\0', ['app', '', 'x']],
    ['nginx: master process /usr/sbin/nginx', ['nginx: master process /usr/sbin/nginx']],
    ['title\0\0\0\0', ['title']],
    ['', null],
    ['\0\0', null],
  ])('cmdline %j -> %j', (text, expected) => {
    expect(parseCmdline(Buffer.from(text))).toEqual(expected);
  });

  it.each([
    ['socket:[20571]', 20571],
    ['pipe:[20571]', -1],
    ['/dev/null', -1],
    ['socket:[12x]', -1],
    ['socket:[', -1],
    ['anon_inode:[eventpoll]', -1],
  ])('fd link %s -> %d', (target, inode) => {
    expect(parseSocketLink(target)).toBe(inode);
  });

  it.each([
    ['net:[4026531833]', 4026531833],
    ['mnt:[4026531833]', -1],
    ['net:[abc]', -1],
  ])('ns link %s -> %d', (target, inode) => {
    expect(parseNetnsLink(target)).toBe(inode);
  });
});

describe('host files', () => {
  it('maps uids to the first name, skipping malformed lines', () => {
    const users = parsePasswd('root:x:0:0:root:/root:/bin/bash\n# comment\nbroken\ntoor:x:0:0::/:/bin/sh\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n');
    expect([...users]).toEqual([
      [0, 'root'],
      [33, 'www-data'],
    ]);
  });

  it('names interfaces from if_inet6 and igmp', () => {
    const names = new Map<number, string>();
    parseIfInet6('00000000000000000000000000000001 01 80 10 80       lo\nfe800000000000000257fffffee5a3b0 02 40 20 80     eth0\n', names);
    parseIgmp('Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter\n1\tlo        :     1      V3\n\t\t\t\t010000E0     1 0:00000000\t\t0\n3\twlan0     :     1      V3\n', names);
    expect([...names].sort()).toEqual([
      [1, 'lo'],
      [2, 'eth0'],
      [3, 'wlan0'],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { listeningEntries } from '../../src/review/listening-report.js';
import { renderListening } from '../../src/review/render-listening.js';
import { makeInventory, makeOwner, makeRecord } from '../store/make-record.js';
import { collectFixture } from './review-fixtures.js';

describe('listeningEntries', () => {
  it('keeps only sockets that can receive from outside, grouped widest first, then by port', () => {
    const inventory = makeInventory([
      makeRecord({ localAddress: '127.0.0.1', exposure: 'loopback', localPort: 80, inode: 1 }),
      makeRecord({ localPort: 443, inode: 2 }),
      makeRecord({ localPort: 22, inode: 3 }),
      makeRecord({ localAddress: '10.0.0.5', exposure: 'specific', localPort: 8080, inode: 4 }),
      makeRecord({ localAddress: 'fe80::1', ipVersion: 6, exposure: 'link-local', localPort: 53, inode: 5 }),
      makeRecord({ state: 'ESTABLISHED', localPort: 22, remoteAddress: '10.0.0.9', remotePort: 5000, inode: 6 }),
      makeRecord({ family: 'unix', ipVersion: null, type: 'stream', path: '/run/a.sock', localAddress: null, localPort: null, exposure: null, inode: 7 }),
      makeRecord({ family: 'unix', ipVersion: null, type: 'stream', state: 'CONNECTED', path: null, localAddress: null, localPort: null, exposure: null, inode: 8 }),
      makeRecord({ family: 'packet', ipVersion: null, type: 'raw', protocol: 3, state: 'UNCONN', localAddress: null, localPort: null, exposure: null, inode: 9 }),
      makeRecord({ family: 'netlink', ipVersion: null, state: 'UNCONN', localAddress: null, localPort: 1, exposure: null, inode: 10 }),
    ]);
    expect(listeningEntries(inventory).map((e) => `${e.group} ${e.inode}`)).toEqual([
      'wildcard 3',
      'wildcard 2',
      'specific 4',
      'link-local 5',
      'loopback 1',
      'interface 9',
      'local 7',
    ]);
  });

  it('sums up owners: distinct exes and users, pids ascending', () => {
    const socket = makeRecord({
      owners: [makeOwner({ pid: 601, uid: 33, user: 'www-data', exe: '/usr/sbin/nginx' }), makeOwner({ pid: 600, exe: '/usr/sbin/nginx' }), makeOwner({ pid: 602, uid: 34, user: null, exe: null })],
    });
    const [entry] = listeningEntries(makeInventory([socket]));
    expect(entry).toMatchObject({ exes: ['/usr/sbin/nginx'], users: ['34', 'root', 'www-data'], pids: [600, 601, 602] });
  });
});

describe('renderListening', () => {
  it('shows each group with its sockets, then the findings', async () => {
    const inventory = await collectFixture('clean-host');
    const text = renderListening({ kind: 'snapshot', id: 4, host: 'web1', takenAt: '2026-11-25T12:00:00.000Z' }, listeningEntries(inventory), [], false);
    expect(text.split('\n').slice(0, 9)).toEqual([
      'listening on web1, snapshot 4 taken 2026-11-25T12:00:00.000Z',
      '',
      'wildcard: every address',
      '  PROTO  LOCAL          NETNS  EXE                 USER           PIDS',
      '  tcp    0.0.0.0:22     host   /usr/sbin/sshd      root           520',
      '  tcp6   [::]:22        host   /usr/sbin/sshd      root           520',
      '  udp    0.0.0.0:68     host   /usr/sbin/dhclient  root           410',
      '  tcp    0.0.0.0:80     host   /usr/sbin/nginx     root,www-data  600,601',
      '  udp    0.0.0.0:40123  host   /usr/sbin/dhclient  root           410',
    ]);
    expect(text).toContain('\nfindings\n  none\n');
    expect(text).not.toContain('\u001b[');
  });
});

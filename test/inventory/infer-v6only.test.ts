import { describe, expect, it } from 'vitest';
import { inferV6only } from '../../src/inventory/infer-v6only.js';
import type { SocketRecord } from '../../src/model/socket-record.js';
import { makeRecord } from '../store/make-record.js';

const v6 = (fields: Partial<SocketRecord>) => makeRecord({ ipVersion: 6, localAddress: '::', remoteAddress: null, remotePort: null, ...fields });
const shown = (sockets: SocketRecord[]) => sockets.map((socket) => `${socket.family}${socket.ipVersion} ${socket.localAddress}:${socket.localPort} ${socket.v6only} ${socket.v6onlySource}`);

describe('inferV6only (IPv6 sockets read as /proc text)', () => {
  it("takes the namespace's default for IPv6 listeners and unconnected datagram sockets only", () => {
    const sockets = [
      v6({ localPort: 9101 }),
      v6({ family: 'udp', state: 'UNCONN', localPort: 5353 }),
      v6({ state: 'ESTABLISHED', localAddress: '::1', localPort: 9101, remoteAddress: '::1', remotePort: 40000 }),
      makeRecord({ localPort: 80 }),
      v6({ family: 'raw', state: 'UNCONN', localPort: null, protocol: 58 }),
    ];
    inferV6only(sockets, () => false);
    expect(shown(sockets)).toEqual([
      'tcp6 :::9101 false inferred',
      'udp6 :::5353 false inferred',
      'tcp6 ::1:9101 null null',
      'tcp4 0.0.0.0:80 null null',
      'raw6 :::null null null',
    ]);
  });

  it('an IPv4-mapped address is v6only off whatever the default; unknown default leaves the others unknown', () => {
    const sockets = [v6({ localAddress: '::ffff:127.0.0.1', localPort: 80 }), v6({ localPort: 9101 })];
    inferV6only(sockets, () => null);
    expect(shown(sockets)).toEqual(['tcp6 ::ffff:127.0.0.1:80 false inferred', 'tcp6 :::9101 null null']);
  });

  it('a TCP [::]:P beside a 0.0.0.0:P listener is v6only (a dual-stack one could not have bound), as sshd does', () => {
    const sockets = [makeRecord({ localPort: 22 }), v6({ localPort: 22 }), v6({ localPort: 9101 })];
    inferV6only(sockets, () => false);
    expect(shown(sockets).slice(1)).toEqual(['tcp6 :::22 true inferred', 'tcp6 :::9101 false inferred']);
  });

  it('leaves a v6only read from the socket alone, and reads the default only when needed', () => {
    const fromDump = v6({ localPort: 9101, v6only: true, v6onlySource: 'socket' });
    let asked = 0;
    inferV6only([fromDump, makeRecord()], () => {
      asked++;
      return false;
    });
    expect(fromDump).toMatchObject({ v6only: true, v6onlySource: 'socket' });
    expect(asked).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { isConnectedInet, socketKey } from '../../src/inventory/socket-key.js';
import { makeRecord } from '../store/make-record.js';

describe('socketKey', () => {
  it('identifies a listener by netns, family, ip version, address and port only', () => {
    const listener = makeRecord({ inode: 1, uid: 0 });
    const restarted = makeRecord({ inode: 2, uid: 1000, state: 'CLOSE' });
    expect(socketKey(listener)).toBe('["inet",4026531840,"tcp",4,"0.0.0.0",22]');
    expect(socketKey(restarted)).toBe(socketKey(listener));
  });

  it('separates listeners on another address, port, family, ip version or namespace', () => {
    const base = socketKey(makeRecord());
    expect(socketKey(makeRecord({ localAddress: '127.0.0.1' }))).not.toBe(base);
    expect(socketKey(makeRecord({ localPort: 2222 }))).not.toBe(base);
    expect(socketKey(makeRecord({ family: 'udp', state: 'UNCONN' }))).not.toBe(base);
    expect(socketKey(makeRecord({ ipVersion: 6, localAddress: '0.0.0.0' }))).not.toBe(base);
    expect(socketKey(makeRecord({ netns: 4026532000 }))).not.toBe(base);
  });

  it('adds the peer for a connected inet socket', () => {
    const connection = makeRecord({ state: 'ESTABLISHED', localAddress: '10.0.0.5', remoteAddress: '10.0.0.9', remotePort: 51000 });
    expect(isConnectedInet(connection)).toBe(true);
    expect(socketKey(connection)).toBe('["inet",4026531840,"tcp",4,"10.0.0.5",22,"10.0.0.9",51000]');
    expect(socketKey({ ...connection, remotePort: 51001 })).not.toBe(socketKey(connection));
    // the same connection in TIME_WAIT (inode 0, no owner) is still the same socket
    expect(socketKey({ ...connection, state: 'TIME_WAIT', inode: 0 })).toBe(socketKey(connection));
  });

  it('keys a raw socket by its protocol, and a connected raw socket by its peer address', () => {
    const icmpRaw = makeRecord({ family: 'raw', state: 'UNCONN', protocol: 1, localPort: 1 });
    expect(socketKey(icmpRaw)).toBe('["inet",4026531840,"raw",4,"0.0.0.0",1]');
    expect(socketKey({ ...icmpRaw, protocol: 6, localPort: 6 })).not.toBe(socketKey(icmpRaw));
    const connected = { ...icmpRaw, remoteAddress: '8.8.8.8', remotePort: 0 };
    expect(socketKey(connected)).toBe('["inet",4026531840,"raw",4,"0.0.0.0",1,"8.8.8.8",0]');
  });

  it('keys a unix socket with a path by type, path and whether it listens, not by inode', () => {
    const listener = makeRecord({ family: 'unix', ipVersion: null, type: 'stream', state: 'LISTEN', localAddress: null, localPort: null, remoteAddress: null, remotePort: null, path: '/run/a b.sock', exposure: null });
    expect(socketKey(listener)).toBe('["unix-path",4026531840,"stream","/run/a b.sock",true]');
    expect(socketKey({ ...listener, inode: 99 })).toBe(socketKey(listener));
    const accepted = { ...listener, state: 'CONNECTED' };
    expect(socketKey(accepted)).not.toBe(socketKey(listener));
    expect(socketKey({ ...listener, path: '@abstract' })).not.toBe(socketKey(listener));
    expect(socketKey({ ...listener, type: 'seqpacket' })).not.toBe(socketKey(listener));
  });

  it('keys unnamed unix, packet and netlink sockets by their inode', () => {
    const unnamed = makeRecord({ family: 'unix', ipVersion: null, type: 'stream', state: 'CONNECTED', localAddress: null, localPort: null, remoteAddress: null, remotePort: null, path: null, inode: 4242, exposure: null });
    expect(socketKey(unnamed)).toBe('["inode",4026531840,"unix","stream",null,4242]');
    expect(socketKey({ ...unnamed, inode: 4243 })).not.toBe(socketKey(unnamed));
    const netlink = makeRecord({ family: 'netlink', ipVersion: null, state: 'UNCONN', protocol: 0, localAddress: null, localPort: 1234, remoteAddress: null, remotePort: null, inode: 77, exposure: null });
    expect(socketKey(netlink)).toBe('["inode",4026531840,"netlink",null,0,77]');
    expect(socketKey({ ...netlink, localPort: 999 })).toBe(socketKey(netlink));
    const packet = makeRecord({ family: 'packet', ipVersion: null, type: 'raw', state: 'UNCONN', protocol: 3, localAddress: null, localPort: null, remoteAddress: null, remotePort: null, inode: 78, exposure: null });
    expect(socketKey(packet)).toBe('["inode",4026531840,"packet","raw",3,78]');
  });
});

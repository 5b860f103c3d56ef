import { describe, expect, it } from 'vitest';
import { StorageError } from '../../src/errors.js';
import { decodeVersionContent, encodeVersionContent } from '../../src/store/version-record.js';
import { makeRecord } from './make-record.js';

/**
 * The listen backlog is stored as an optional 21st content field (version-record.ts): a
 * version without it keeps its 16-, 18- or 20-field text exactly, so stored digests and
 * snapshot set hashes still verify; with it, v6only, its source, the container and the
 * published target are written first (null when unknown).
 */
describe('the backlog in a stored version', () => {
  it('leaves the text of a record without a backlog as it always was (16 or 18 fields)', () => {
    const plain = makeRecord({ inode: 1000 });
    expect(encodeVersionContent(plain)).toBe('[4026531840,"host","tcp",4,null,null,"LISTEN","0.0.0.0",22,"0.0.0.0",0,null,null,1000,0,"wildcard"]');
    const dual = makeRecord({ ipVersion: 6, localAddress: '::', inode: 1001, v6only: false, v6onlySource: 'socket' });
    expect(JSON.parse(encodeVersionContent(dual))).toHaveLength(18);
  });

  it('appends it after v6only and the container fields (null when unknown), and decodes it back', () => {
    const v4 = makeRecord({ localPort: 80, inode: 1002, backlog: 511 });
    const text = encodeVersionContent(v4);
    expect(text).toBe('[4026531840,"host","tcp",4,null,null,"LISTEN","0.0.0.0",80,"0.0.0.0",0,null,null,1002,0,"wildcard",null,null,null,null,511]');
    expect(decodeVersionContent(text, [])).toMatchObject({ backlog: 511, v6only: null, v6onlySource: null, container: null, publishedTo: null, recvQueue: null, peerInode: null });
    const inContainer = makeRecord({ inode: 1004, backlog: 128, container: { runtime: 'docker', id: 'f'.repeat(64), name: 'web-1', image: 'nginx:1', podName: null, podNamespace: null } });
    const decodedContainer = decodeVersionContent(encodeVersionContent(inContainer), []);
    expect(decodedContainer).toMatchObject({ backlog: 128, container: { name: 'web-1' } });
    expect(encodeVersionContent(decodedContainer)).toBe(encodeVersionContent(inContainer));
    const v6 = makeRecord({ ipVersion: 6, localAddress: '::', inode: 1003, v6only: true, v6onlySource: 'socket', backlog: 4096 });
    const decoded = decodeVersionContent(encodeVersionContent(v6), []);
    expect(decoded).toMatchObject({ backlog: 4096, v6only: true, v6onlySource: 'socket' });
    // decoding and encoding again gives the same text: the digest of a stored version holds
    expect(encodeVersionContent(decoded)).toBe(encodeVersionContent(v6));
    expect(decodeVersionContent(encodeVersionContent(makeRecord()), []).backlog).toBeNull();
  });

  it('rejects a damaged 21-field version', () => {
    const base = '[4026531840,"host","tcp",4,null,null,"LISTEN","0.0.0.0",80,"0.0.0.0",0,null,null,1002,0,"wildcard"';
    expect(() => decodeVersionContent(`${base},null,null,null,null,-1]`, [])).toThrow(StorageError);
    expect(() => decodeVersionContent(`${base},null,null,null,null,"511"]`, [])).toThrow(/backlog/);
    expect(() => decodeVersionContent(`${base},true,null,null,null,511]`, [])).toThrow(/v6only/);
    expect(() => decodeVersionContent(`${base},null,null,["nope"],null,511]`, [])).toThrow(/container/);
    expect(() => decodeVersionContent(`${base},null,null,null,null,511,1]`, [])).toThrow(/21-field/);
  });
});

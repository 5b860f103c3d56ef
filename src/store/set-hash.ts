import { createHash } from 'node:crypto';
import os from 'node:os';
import { nativeAddon, type NativeAddon } from '../native/native-addon.js';

/**
 * The multiset hash of a snapshot's sockets: LtHash (Bellare and Micciancio, "A New
 * Paradigm for Collision-free Hashing: Incrementality at Reduced Cost", EUROCRYPT 1997),
 * with the parameters of Facebook's lthash16 (Lewi, Kim, Maykov and Weis, "Securing Update
 * Propagation with Homomorphic Hashing", 2019; folly/experimental/crypto/LtHash): 1024
 * lanes of 16 bits, added lane by lane modulo 2^16. Each element is expanded to 2048 bytes
 * by an extendable-output function and added to (or subtracted from) the state, so that the
 * hash of a set is updated by what was added and removed, never rebuilt. Collision
 * resistance reduces to the short integer solution problem; the paper above gives lthash16
 * with 1024 lanes at least 200 bits of security. A plain sum or XOR of digests would admit
 * cheap collisions (Wagner's generalized birthday attack); this is the same sum, but over
 * 2048-byte elements, which is what the reduction needs.
 *
 * Why LtHash rather than MuHash3072 (Bitcoin Core's UTXO set hash): removing an element
 * from MuHash needs a modular inverse of a 3072-bit number (or a running denominator that
 * must be inverted to read the hash), and every snapshot's hash is read; LtHash removes by
 * subtracting, at the cost of one expansion and 1024 additions.
 *
 * The expansion is SHAKE256 (folly uses BLAKE2xb, which Node's crypto lacks; both are
 * extendable-output functions, modelled as random oracles by the security argument) over a
 * domain tag and the element, here a socket version's digest (versionDigest). Lanes are
 * little-endian 16-bit integers, on any machine.
 *
 * @example
 *   const set = new SetHash(); set.update(['AAAAAAAAAAAAAAAA', 'BBBBBBBBBBBBBBBB'], []); set.remove('AAAAAAAAAAAAAAAA');
 *   set.digest() === SetHash.of(['BBBBBBBBBBBBBBBB']).digest()   // order and history do not matter
 */
export class SetHash {
  /** lanes as little-endian 16-bit integers, read as pairs by the 32-bit view */
  private readonly words: Uint32Array;

  constructor(state?: Uint8Array) {
    this.words = new Uint32Array(SET_HASH_BYTES / 4);
    if (state === undefined) return;
    if (state.byteLength !== SET_HASH_BYTES) throw new Error(`a set hash state is ${SET_HASH_BYTES} bytes, got ${state.byteLength}`);
    const bytes = new Uint8Array(this.words.buffer);
    bytes.set(state);
    if (BIG_ENDIAN) Buffer.from(this.words.buffer).swap16();
  }

  /** The set hash of these elements. */
  static of(elements: readonly string[], native: Pick<NativeAddon, 'ltHashUpdate'> | null = nativeAddon): SetHash {
    const set = new SetHash();
    set.update(elements, [], native);
    return set;
  }

  add(element: string): void {
    addLanes(this.words, elementWords(element));
  }

  remove(element: string): void {
    subtractLanes(this.words, elementWords(element));
  }

  /**
   * Adds `added` and removes `removed`: in one call of the addon when it is there
   * (native/set-hash.c: about a third of the time per element, and no garbage), else here.
   * Elements that the joined text cannot carry ('' and anything with '\n'; never a digest)
   * and big-endian machines take the path here.
   */
  update(added: readonly string[], removed: readonly string[], native: Pick<NativeAddon, 'ltHashUpdate'> | null = nativeAddon): void {
    if (added.length === 0 && removed.length === 0) return;
    if (native !== null && !BIG_ENDIAN && !added.some(notJoinable) && !removed.some(notJoinable)) {
      native.ltHashUpdate(new Uint8Array(this.words.buffer), added.join('\n'), removed.join('\n'));
      return;
    }
    for (const element of added) this.add(element);
    for (const element of removed) this.remove(element);
  }

  /** The 2048-byte state: what is stored between snapshots (set_hash_heads). */
  state(): Buffer {
    const bytes = Buffer.from(this.words.buffer.slice(0));
    if (BIG_ENDIAN) bytes.swap16();
    return bytes;
  }

  /**
   * What a snapshot's content hash covers: SHA-256 of the state, base64url. Equal sets give
   * equal digests; two different sets giving the same one is an LtHash collision or a
   * SHA-256 collision.
   */
  digest(): string {
    return createHash('sha256').update(this.state()).digest('base64url');
  }

  copy(): SetHash {
    return new SetHash(this.state());
  }
}

/** The state's size: 1024 lanes of 16 bits. */
export const SET_HASH_BYTES = 2048;

const ELEMENT_TAG = 'sockaudit-lthash16-element-v1\0';

const BIG_ENDIAN = os.endianness() === 'BE';

const notJoinable = (element: string) => element === '' || element.includes('\n');

/** The element's 2048 bytes as 512 words of two little-endian lanes each. */
function elementWords(element: string): Uint32Array {
  const bytes = createHash('shake256', { outputLength: SET_HASH_BYTES }).update(ELEMENT_TAG + element).digest();
  if (BIG_ENDIAN) bytes.swap16();
  // createHash returns a fresh Buffer, which may sit at any offset of a shared pool
  return bytes.byteOffset % 4 === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, SET_HASH_BYTES / 4) : new Uint32Array(Uint8Array.from(bytes).buffer);
}

/*
 * Two 16-bit lanes per 32-bit word, added without a carry from the low lane into the high
 * one: add the low 15 bits of each lane, then put each lane's top bit back with XOR (as
 * folly's LtHash does with 64-bit words). Half as many steps as one lane at a time.
 */
const LOW_BITS = 0x7fff7fff;
const TOP_BITS = 0x80008000;

function addLanes(sum: Uint32Array, element: Uint32Array): void {
  for (let i = 0; i < sum.length; i++) {
    const a = sum[i]!;
    const b = element[i]!;
    sum[i] = ((a & LOW_BITS) + (b & LOW_BITS)) ^ ((a ^ b) & TOP_BITS);
  }
}

/** a - b per lane: a + (~b + 1) per lane, with the +1 carried within each lane. */
function subtractLanes(sum: Uint32Array, element: Uint32Array): void {
  for (let i = 0; i < sum.length; i++) {
    const a = sum[i]!;
    const b = element[i]!;
    // negate each 16-bit lane of b: ~b + 1, lane-wise
    const notB = ~b;
    const negB = ((notB & LOW_BITS) + 0x00010001) ^ (notB & TOP_BITS);
    sum[i] = ((a & LOW_BITS) + (negB & LOW_BITS)) ^ ((a ^ negB) & TOP_BITS);
  }
}

import { RECORD_KEYS } from '../model/record-shapes.js';
import { OWNER_KEYS, type SocketOwner, type SocketRecord } from '../model/socket-record.js';

/**
 * Socket records as JSON tokens, for the addon to assemble into text (native/json-assembly.c;
 * assembleJsonTokens below is its JavaScript twin).
 *
 * Why: at 50,000 sockets, collect --json writes 30 MB of JSON after the fd scan has ended,
 * on one core while the other idles, and V8's JSON.stringify took about 60 ms of that. A
 * serializer in JavaScript that joins strings took as long (every string it joins is
 * garbage to collect). Tokens are numbers in one reused array: each record is read once,
 * nothing is allocated per record, and C copies the text together.
 *
 * A token is a double: an integer >= 0 stands for itself, written in decimal; -(i + 1)
 * stands for piece i, a JSON text made here once and handed to the assembler with the
 * first chunk that uses it: a key with its punctuation (`,"state":`), a key with null
 * (`,"path":null`), or JSON.stringify of a value. Every value is written as JSON.stringify
 * writes it, because it is written by JSON.stringify: strings; numbers other than safe
 * integers >= 0 (-1, 1.5, NaN as null); objects (container, publishedTo) as a whole. A
 * record that JSON.stringify would write with fewer keys (a field, or an owner's member,
 * undefined: the key is left out) is written by JSON.stringify as a whole, as one piece.
 *
 *   { netns: 4026531833, netnsName: 'host', family: 'tcp', ..., path: null, ... }
 *   -> 4026531833 after '{"netns":', '"host"' after ',"netnsName":', ..., ',"path":null', ...
 *
 * The record's keys come from the field table (RECORD_KEYS: every record is built with
 * them, in that order), an owner's from OWNER_KEYS (every owner is built with them);
 * test/render/json-tokens.test.ts holds the text equal to JSON.stringify's on captured
 * trees, live collections and hostile values.
 */
export class JsonTokens {
  /** the tokens so far; `length` of them are in use. */
  tokens = new Float64Array(64 * 1024);
  length = 0;
  /** every piece, in token order (assembleJsonTokens reads them; the assembler has its own copy). */
  readonly pieces: string[] = [];
  /** the pieces not yet handed to the assembler, each followed by '\n'. */
  private newPieces = '';
  private readonly pieceTokens = new Map<string, number>();
  private readonly stringTokens = new Map<string, number>();
  private readonly recordKeys: KeyTokens;
  private readonly ownerKeys: KeyTokens;
  private readonly peerOwnerKeys: KeyTokens;
  private readonly comma: number;
  private readonly openArray: number;
  private readonly closeArray: number;
  private readonly emptyArray: number;
  private readonly closeObject: number;
  private readonly nullToken: number;
  private readonly trueToken: number;
  private readonly falseToken: number;
  private readonly peerOwnersKey: number;

  constructor() {
    this.recordKeys = this.keyTokens(RECORD_KEYS);
    this.ownerKeys = this.keyTokens(OWNER_KEYS);
    this.peerOwnerKeys = this.keyTokens(PEER_OWNER_KEYS);
    this.comma = this.piece(',');
    this.openArray = this.piece('[');
    this.closeArray = this.piece(']');
    this.emptyArray = this.piece('[]');
    this.closeObject = this.piece('}');
    this.nullToken = this.piece('null');
    this.trueToken = this.piece('true');
    this.falseToken = this.piece('false');
    this.peerOwnersKey = this.piece(',"peerOwners":');
  }

  /** The token of a JSON text: its piece, made the first time. */
  piece(json: string): number {
    let token = this.pieceTokens.get(json);
    if (token === undefined) {
      token = -(this.pieces.length + 1);
      this.pieces.push(json);
      this.newPieces += json + '\n'; // JSON.stringify never writes a raw line feed (it writes \n)
      this.pieceTokens.set(json, token);
    }
    return token;
  }

  /** The pieces made since the last call, each followed by '\n' (assembleJson's `pieces`). */
  takeNewPieces(): string {
    const pieces = this.newPieces;
    this.newPieces = '';
    return pieces;
  }

  /**
   * Adds one socket's tokens: the record and, for a connected unix socket, `peerOwners`
   * (null: none written), the owners of its peer as { pid, fd, comm, exe }.
   */
  addSocket(record: SocketRecord, peerOwners: readonly SocketOwner[] | null): void {
    const start = this.length;
    if (this.addRecordFields(record) && (peerOwners === null || this.addPeerOwners(peerOwners))) {
      this.push(this.closeObject);
      return;
    }
    // JSON.stringify would leave a key out: written by it, whole
    this.length = start;
    const written = peerOwners === null ? record : { ...record, peerOwners: peerOwners.map(peerOwner) };
    this.push(this.piece(JSON.stringify(written)));
  }

  /** Adds the comma between two sockets. */
  addComma(): void {
    this.push(this.comma);
  }

  private push(token: number): void {
    if (this.length === this.tokens.length) {
      const grown = new Float64Array(this.tokens.length * 2);
      grown.set(this.tokens);
      this.tokens = grown;
    }
    this.tokens[this.length++] = token;
  }

  /**
   * The record's fields in RECORD_KEYS order, all but the closing brace; false for one
   * JSON.stringify leaves out. A loop over the keys: as fast as code compiled from them,
   * one property read each (25 A/B rounds at 50,000 sockets: 289 against 286 ms), and
   * faster than compiled code that wrote each field inline (303 ms: V8 took longer to
   * optimise it, and ran it in its interpreter meanwhile).
   */
  private addRecordFields(record: SocketRecord): boolean {
    const fields = record as unknown as Record<string, unknown>;
    const keys = this.recordKeys;
    for (let i = 0; i < RECORD_KEYS.length; i++) {
      const value = fields[RECORD_KEYS[i]!];
      if (i !== OWNERS_AT) {
        if (!this.field(keys, i, value)) return false;
      } else {
        this.push(keys.plain[i]!);
        if (!this.addOwners(value)) return false;
      }
    }
    return true;
  }

  /** Key i of `keys` and its value (a null with its key, as one piece); false for a value JSON.stringify leaves out. */
  private field(keys: KeyTokens, i: number, value: unknown): boolean {
    if (value === null) {
      this.push(keys.withNull[i]!);
      return true;
    }
    this.push(keys.plain[i]!);
    return this.value(value);
  }

  /** A value's token as JSON.stringify writes it; false for one it leaves out (undefined, a function, a symbol). */
  private value(value: unknown): boolean {
    switch (typeof value) {
      case 'number':
        this.push(value >= 0 && value <= Number.MAX_SAFE_INTEGER && Math.floor(value) === value ? value : this.piece(JSON.stringify(value)));
        return true;
      case 'string': {
        let token = this.stringTokens.get(value);
        if (token === undefined) this.stringTokens.set(value, (token = this.piece(JSON.stringify(value))));
        this.push(token);
        return true;
      }
      case 'boolean':
        this.push(value ? this.trueToken : this.falseToken);
        return true;
      case 'object': {
        if (value === null) {
          this.push(this.nullToken);
          return true;
        }
        const json = JSON.stringify(value); // undefined when a toJSON gives undefined
        if (json === undefined) return false;
        this.push(this.piece(json));
        return true;
      }
      default:
        return false;
    }
  }

  /** The owners field's value, each owner by OWNER_KEYS. */
  private addOwners(owners: unknown): boolean {
    if (!Array.isArray(owners)) return this.value(owners);
    if (owners.length === 0) {
      this.push(this.emptyArray);
      return true;
    }
    this.push(this.openArray);
    for (let i = 0; i < owners.length; i++) {
      if (i !== 0) this.push(this.comma);
      const owner: unknown = owners[i];
      if (typeof owner !== 'object' || owner === null) {
        this.push(this.piece(JSON.stringify(owner) ?? 'null')); // in an array, JSON.stringify writes undefined as null
        continue;
      }
      // named reads in OWNER_KEYS order: a loop over OWNER_KEYS (as addRecordFields) made the
      // JSON 5 ms slower at 50,000 sockets (medians of 11 fresh processes, 66 against 62 ms).
      // A member added to SocketOwner and OWNER_KEYS but not here fails the tests against
      // JSON.stringify (test/render/json-tokens.test.ts).
      const keys = this.ownerKeys;
      const { pid, fd, comm, exe, cmdline, uid, user } = owner as SocketOwner;
      if (
        !this.field(keys, 0, pid) ||
        !this.field(keys, 1, fd) ||
        !this.field(keys, 2, comm) ||
        !this.field(keys, 3, exe) ||
        !this.field(keys, 4, cmdline) ||
        !this.field(keys, 5, uid) ||
        !this.field(keys, 6, user)
      )
        return false;
      this.push(this.closeObject);
    }
    this.push(this.closeArray);
    return true;
  }

  private addPeerOwners(owners: readonly SocketOwner[]): boolean {
    this.push(this.peerOwnersKey);
    if (owners.length === 0) {
      this.push(this.emptyArray);
      return true;
    }
    this.push(this.openArray);
    const keys = this.peerOwnerKeys; // in PEER_OWNER_KEYS order, as peerOwner() writes them
    for (let i = 0; i < owners.length; i++) {
      if (i !== 0) this.push(this.comma);
      const owner = owners[i]!;
      if (!this.field(keys, 0, owner.pid) || !this.field(keys, 1, owner.fd) || !this.field(keys, 2, owner.comm) || !this.field(keys, 3, owner.exe)) return false;
      this.push(this.closeObject);
    }
    this.push(this.closeArray);
    return true;
  }

  /** Each key's two tokens: `{"first":` or `,"key":`, and the same with null. */
  private keyTokens(keys: readonly string[]): KeyTokens {
    const plain = keys.map((key, i) => this.piece(`${i === 0 ? '{' : ','}${JSON.stringify(key)}:`));
    const withNull = keys.map((key, i) => this.piece(`${i === 0 ? '{' : ','}${JSON.stringify(key)}:null`));
    return { plain, withNull };
  }
}

/** A peer's owner as collect --json writes it (src/render/inventory-json.ts). */
export const PEER_OWNER_KEYS = ['pid', 'fd', 'comm', 'exe'] as const satisfies readonly (keyof SocketOwner)[];

export type PeerOwner = Pick<SocketOwner, (typeof PEER_OWNER_KEYS)[number]>;

/** A peer's owner as written, its keys in PEER_OWNER_KEYS order (one literal: one hidden class). */
export function peerOwner(owner: SocketOwner): PeerOwner {
  return { pid: owner.pid, fd: owner.fd, comm: owner.comm, exe: owner.exe };
}

const OWNERS_AT = RECORD_KEYS.indexOf('owners');

interface KeyTokens {
  plain: number[];
  withNull: number[];
}

/**
 * The JSON text of tokens[0, count) from the pieces: what the addon's assembleJson writes,
 * in JavaScript (its twin, held equal to it by the tests).
 */
export function assembleJsonTokens(pieces: readonly string[], tokens: Float64Array, count: number): string {
  let text = '';
  for (let i = 0; i < count; i++) {
    const token = tokens[i]!;
    if (token < 0) {
      const piece = pieces[-token - 1];
      if (piece === undefined) throw new RangeError('assembleJsonTokens: a token names no piece');
      text += piece;
    } else {
      if (!Number.isSafeInteger(token)) throw new RangeError('assembleJsonTokens: an integer token is not a safe integer');
      text += String(token);
    }
  }
  return text;
}

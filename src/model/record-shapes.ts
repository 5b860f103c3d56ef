import { GIVEN, RECORD_FIELDS, RECORD_KEYS, recordField, type RecordField } from './record-fields.js';
import type { SocketFamily, SocketOwner, SocketRecord } from './socket-record.js';

export { RECORD_KEYS };

/**
 * A new record of the given family with every other field at its empty value (the table's
 * `empty`: null, 0, '', NO_OWNERS), its keys in table order. Every record is built by it
 * (parsers, decoded versions, listening entries): a parser sets what it knows on the result.
 *
 * Compiled once from the table into one object literal: V8 then builds each record from one
 * boilerplate with its final hidden class, as the parsers' own literals did. A generic loop
 * over the table per record would cost 25 keyed stores per record at 50,000 records (see
 * bench/record-factory-bench.mjs for the measured figures).
 *
 * @example emptyRecord('netlink')
 *   -> { netns: 0, netnsName: '', family: 'netlink', ipVersion: null, ..., inode: 0, ..., owners: NO_OWNERS, ..., peerInode: null }
 */
export const emptyRecord: (family: SocketFamily) => SocketRecord = compileEmptyRecord(RECORD_FIELDS);

/** The factory's source, from the table: `return { netns: 0, netnsName: "", family: family, ... }`. */
export function compileEmptyRecord(fields: readonly RecordField[]): (family: SocketFamily) => SocketRecord {
  const constants: unknown[] = [];
  const entries = fields.map((entry) => {
    const name = JSON.stringify(entry.name);
    if (entry.empty === GIVEN) return `${name}: family`;
    if (entry.empty === null || typeof entry.empty !== 'object') return `${name}: ${JSON.stringify(entry.empty)}`;
    constants.push(entry.empty); // NO_OWNERS: one shared object, not a copy
    return `${name}: constants[${constants.length - 1}]`;
  });
  // the source is built from the table alone, never from input
  return new Function('constants', `return function emptyRecord(family) { return { ${entries.join(', ')} }; };`)(constants);
}

/**
 * Exemplar socket records and owners, created once before any parser makes a real one,
 * whose fields between them hold every kind of value a field ever holds (the table's
 * `exemplars`): a netns inode beyond the small-integer range, null and a number, null and a
 * string.
 *
 * Why: V8 gives every object built with the same keys in the same order one hidden class,
 * which fixes each field's representation (small integer, double, pointer) from the values
 * seen so far. When a record later stores a wider kind of value (the netns inode
 * 4026531833 where the parser wrote 0; a number where a unix record has null), V8
 * deprecates that class and migrates every record made so far, one at a time, as each is
 * next touched: about 55 ms of a 0.45 s collection at 50,000 sockets. With these seen
 * first, every record is born with its final class.
 */
function exemplar(which: 0 | 1): SocketRecord {
  const record = emptyRecord(recordField('family').exemplars[which] as SocketFamily);
  const writable = record as unknown as Record<string, unknown>;
  // null first, so that no field is held as a double: V8 then keeps each number as a small
  // integer in the field itself, or as a pointer to one number object that records share (a
  // namespace's inode). Held as a double (netns and inode, which only ever hold numbers), every
  // record carried two number objects of its own for the collector's young-generation
  // collections to copy: 100,000 objects at 50,000 sockets; without them, 2-17 ms less GC
  // pause per collection (--trace-gc, 5 runs each) and 337 -> 331 ms (A/B, 25 rounds).
  for (const entry of RECORD_FIELDS as readonly RecordField[]) writable[entry.name] = null;
  for (const entry of RECORD_FIELDS as readonly RecordField[]) writable[entry.name] = entry.exemplars[which];
  return record;
}

const OWNER_NULLS: SocketOwner = { pid: 0, fd: 0, comm: null, exe: null, cmdline: null, uid: null, user: null };
const OWNER_VALUES: SocketOwner = { pid: 0, fd: 0, comm: '', exe: '', cmdline: '', uid: 0, user: '' };

/** Kept (never read) so that the general classes outlive any garbage collection before the first real record. */
export const RECORD_SHAPE_EXEMPLARS: readonly object[] = Object.freeze([exemplar(0), exemplar(1), OWNER_NULLS, OWNER_VALUES]);

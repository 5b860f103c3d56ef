import { CONTAINER_RUNTIMES } from './container.js';
import { NO_OWNERS, type SocketRecord } from './socket-record.js';

/**
 * The socket record's fields, in order, each with what it is for (docs/design.md, "Adding a
 * field"). Everything that walks the record's fields is derived from this table: the key order
 * of every record (RECORD_KEYS, emptyRecord, the shape exemplars: record-shapes.ts), the
 * identity keys (socket-key.ts), the host-neutral form (host-neutral.ts), what a version
 * stores and how it is decoded (version-record.ts), and what a diff compares
 * (compare-records.ts, diff-inventories.ts). test/model/record-fields.test.ts pins what each
 * derived list is and that it follows the table.
 *
 * Per field:
 * - `empty`: what a record holds until a parser sets the field (`GIVEN`: the factory's
 *   argument). `exemplars`: two values of the widest kinds the field ever holds, given to the
 *   shape exemplars first (record-shapes.ts).
 * - `key`: the identity key shapes that read the field (socket-key.ts), with its position in
 *   the shape and how it is read: `value` as is, `scope` the container name or the netns inode
 *   (keyScope), `port` the local port (raw: the protocol), `listening` isListening.
 * - `hostNeutral`: `keep`, or what `diff --to-host` makes of a value that only means
 *   something on its own host: `empty` (the field's empty value), `namespace-number`,
 *   `owner-instance` (owners' pid and fd 0).
 * - `stored`: null when not in a version's content; else the content group it was added
 *   with (STORE_GROUPS; a group is written only when some group at or after it is known) and
 *   its encoding and check: `value` (unchecked: the first release's fields), `boolean`,
 *   `one-of`, `count` (a non-negative safe integer), `tuple` (an array of named parts in a
 *   fixed order, each checked).
 * - `compare`: how a diff compares two instances of one key: `key` (part of the key, so equal),
 *   `ignored` (with why), or a rule with its rank in the report (lower first): `change` (any
 *   difference), `change-when-known` (a difference where both sides know it), `instance` (a new
 *   inode: `reopened`), `owners` (by exe and comm; pids: `restarted`), `v6only`
 *   (compareV6only: across instances, may widen exposure).
 */

/** The factory's argument stands for the field's empty value (family: every record has one). */
export const GIVEN = Symbol('given by the factory caller');

export type KeyShape = 'inet' | 'inet-connected' | 'unix-path' | 'inode';
export type KeyRead = 'value' | 'scope' | 'port' | 'listening';
export type HostNeutral = 'keep' | 'empty' | 'namespace-number' | 'owner-instance';

/** One part of a stored tuple and its check. */
export type TuplePart = readonly [name: string, check: 'text' | 'text-or-null' | 'integer' | readonly ['one-of', readonly string[]]];

export type StoredCheck =
  | { as: 'value' }
  | { as: 'boolean' }
  | { as: 'one-of'; values: readonly string[] }
  | { as: 'count' }
  | { as: 'tuple'; parts: readonly TuplePart[] };

export type StoreGroupName = (typeof STORE_GROUPS)[number]['name'];

export type CompareRule = 'change' | 'change-when-known' | 'instance' | 'owners' | 'v6only';
export type Compare = 'key' | { ignored: string } | { rule: CompareRule; rank: number };

export interface RecordField<K extends keyof SocketRecord = keyof SocketRecord> {
  name: K;
  empty: SocketRecord[K] | typeof GIVEN;
  exemplars: readonly [SocketRecord[K], SocketRecord[K]];
  key: Partial<Record<KeyShape, readonly [position: number, read: KeyRead]>>;
  hostNeutral: HostNeutral;
  stored: (StoredCheck & { group: string }) | null;
  compare: Compare;
}

/**
 * The groups of a version's content, in the order they were added. A content holds the
 * fields of every group up to the last one the record knows: 16 fields (first release), 18
 * (v6only), 20 (a container or a published target), 21 (a backlog). `presence`: `all`, the
 * group is known when its first field is (the rest go with it: written null, and checked null,
 * when it is not); `any`, when any of its fields is. `damaged`: verify's words for a malformed
 * group. A new stored field goes into a new group at the end, so that every version stored
 * before keeps its exact text, digest and set hash.
 */
export const STORE_GROUPS = [
  { name: 'first-release', presence: 'always', damaged: '' },
  { name: 'v6only', presence: 'all', damaged: 'its v6only fields are not a boolean and "socket" or "inferred"' },
  { name: 'container', presence: 'any', damaged: 'its container fields are malformed' },
  { name: 'backlog', presence: 'any', damaged: 'its backlog is not a non-negative integer' },
] as const satisfies readonly StoreGroup[];

const field = <K extends keyof SocketRecord>(spec: RecordField<K>): RecordField<K> => spec;
const BIG_INODE = 4026531833; // beyond the small-integer range, as netns inodes are
const value = (group: StoreGroupName = 'first-release') => ({ group, as: 'value' }) as const;

export const RECORD_FIELDS = [
  field({ name: 'netns', empty: 0, exemplars: [BIG_INODE, 0], key: { inet: [0, 'scope'], 'inet-connected': [0, 'scope'], 'unix-path': [0, 'scope'], inode: [0, 'value'] }, hostNeutral: 'namespace-number', stored: value(), compare: 'key' }),
  field({ name: 'netnsName', empty: '', exemplars: ['', ''], key: {}, hostNeutral: 'keep', stored: value(), compare: { ignored: 'named by netns' } }),
  field({ name: 'family', empty: GIVEN, exemplars: ['unix', 'tcp'], key: { inet: [1, 'value'], 'inet-connected': [1, 'value'], inode: [1, 'value'] }, hostNeutral: 'keep', stored: value(), compare: 'key' }),
  field({ name: 'ipVersion', empty: null, exemplars: [null, 4], key: { inet: [2, 'value'], 'inet-connected': [2, 'value'] }, hostNeutral: 'keep', stored: value(), compare: 'key' }),
  field({ name: 'type', empty: null, exemplars: [null, ''], key: { 'unix-path': [1, 'value'], inode: [2, 'value'] }, hostNeutral: 'keep', stored: value(), compare: 'key' }),
  field({ name: 'protocol', empty: null, exemplars: [null, 0], key: { inet: [4, 'port'], 'inet-connected': [4, 'port'], inode: [3, 'value'] }, hostNeutral: 'keep', stored: value(), compare: 'key' }),
  field({ name: 'state', empty: '', exemplars: ['', ''], key: { 'unix-path': [3, 'listening'] }, hostNeutral: 'keep', stored: value(), compare: { rule: 'change', rank: 1 } }),
  field({ name: 'localAddress', empty: null, exemplars: [null, ''], key: { inet: [3, 'value'], 'inet-connected': [3, 'value'] }, hostNeutral: 'keep', stored: value(), compare: 'key' }),
  field({ name: 'localPort', empty: null, exemplars: [null, 0], key: { inet: [4, 'port'], 'inet-connected': [4, 'port'] }, hostNeutral: 'keep', stored: value(), compare: 'key' }),
  field({ name: 'remoteAddress', empty: null, exemplars: [null, ''], key: { 'inet-connected': [5, 'value'] }, hostNeutral: 'keep', stored: value(), compare: 'key' }),
  field({ name: 'remotePort', empty: null, exemplars: [null, 0], key: { 'inet-connected': [6, 'value'] }, hostNeutral: 'keep', stored: value(), compare: 'key' }),
  field({ name: 'path', empty: null, exemplars: [null, ''], key: { 'unix-path': [2, 'value'] }, hostNeutral: 'keep', stored: value(), compare: 'key' }),
  field({ name: 'interface', empty: null, exemplars: [null, ''], key: {}, hostNeutral: 'keep', stored: value(), compare: { rule: 'change', rank: 5 } }),
  field({ name: 'inode', empty: 0, exemplars: [BIG_INODE, 0], key: { inode: [4, 'value'] }, hostNeutral: 'empty', stored: value(), compare: { rule: 'instance', rank: 4 } }),
  field({ name: 'uid', empty: null, exemplars: [null, 0], key: {}, hostNeutral: 'keep', stored: value(), compare: { rule: 'change', rank: 3 } }),
  field({ name: 'recvQueue', empty: null, exemplars: [null, 0], key: {}, hostNeutral: 'keep', stored: null, compare: { ignored: 'instantaneous' } }),
  field({ name: 'sendQueue', empty: null, exemplars: [null, 0], key: {}, hostNeutral: 'keep', stored: null, compare: { ignored: 'instantaneous' } }),
  // stored beside the content, in owner rows (canonical-socket.ts appends them to the digest's string)
  field({ name: 'owners', empty: NO_OWNERS, exemplars: [[], []], key: {}, hostNeutral: 'owner-instance', stored: null, compare: { rule: 'owners', rank: 2 } }),
  field({ name: 'exposure', empty: null, exemplars: [null, 'loopback'], key: {}, hostNeutral: 'keep', stored: value(), compare: { ignored: 'follows from the local address' } }),
  field({ name: 'v6only', empty: null, exemplars: [null, false], key: {}, hostNeutral: 'keep', stored: { group: 'v6only', as: 'boolean' }, compare: { rule: 'v6only', rank: 7 } }),
  field({ name: 'v6onlySource', empty: null, exemplars: [null, 'socket'], key: {}, hostNeutral: 'keep', stored: { group: 'v6only', as: 'one-of', values: ['socket', 'inferred'] }, compare: { ignored: 'goes with v6only' } }),
  field({
    name: 'container',
    empty: null,
    exemplars: [null, { runtime: 'docker', id: '', name: '', image: '', podName: '', podNamespace: '' }],
    key: { inet: [0, 'scope'], 'inet-connected': [0, 'scope'], 'unix-path': [0, 'scope'] },
    hostNeutral: 'keep',
    stored: { group: 'container', as: 'tuple', parts: [['runtime', ['one-of', CONTAINER_RUNTIMES]], ['id', 'text'], ['name', 'text'], ['image', 'text-or-null'], ['podName', 'text-or-null'], ['podNamespace', 'text-or-null']] },
    compare: 'key',
  }),
  field({
    name: 'publishedTo',
    empty: null,
    exemplars: [null, { container: '', address: '', port: 0 }],
    key: {},
    hostNeutral: 'keep',
    stored: { group: 'container', as: 'tuple', parts: [['container', 'text-or-null'], ['address', 'text'], ['port', 'integer']] },
    compare: { ignored: 'follows from the listener' },
  }),
  field({ name: 'backlog', empty: null, exemplars: [null, 0], key: {}, hostNeutral: 'keep', stored: { group: 'backlog', as: 'count' }, compare: { rule: 'change-when-known', rank: 6 } }),
  // every connection is a new pair of sockets: the peer says nothing about identity or change
  field({ name: 'peerInode', empty: null, exemplars: [null, BIG_INODE], key: {}, hostNeutral: 'empty', stored: null, compare: { ignored: 'a new pair per connection' } }),
] as const satisfies readonly RecordField<keyof SocketRecord>[];

export type RecordFieldName = (typeof RECORD_FIELDS)[number]['name'];

/** A member of SocketRecord without an entry in the table does not compile (an entry without a member neither: `name` is a keyof). */
export const EVERY_MEMBER_HAS_AN_ENTRY: [Exclude<keyof SocketRecord, RecordFieldName>] extends [never] ? true : never = true;

export interface StoreGroup {
  name: string;
  presence: 'always' | 'all' | 'any';
  damaged: string;
}

/** A stored field with its place in a version's content. */
export interface StoredField {
  name: keyof SocketRecord;
  /** its index in a content array */
  position: number;
  /** its group's index in STORE_GROUPS */
  group: number;
  check: StoredCheck;
}

export interface KeyPart {
  position: number;
  read: KeyRead;
  /** the first field (in table order) read at this position; `scope` and `port` read two */
  name: keyof SocketRecord;
  names: readonly (keyof SocketRecord)[];
}

export interface ComparedField {
  name: keyof SocketRecord;
  rule: CompareRule;
}

/** Everything derived from a field table: see the constants below, which are this of RECORD_FIELDS. */
export interface FieldLists {
  recordKeys: (keyof SocketRecord)[];
  storedFields: StoredField[];
  contentLengths: number[];
  keyShapes: Record<KeyShape, KeyPart[]>;
  keyFields: (keyof SocketRecord)[];
  comparedFields: ComparedField[];
  hostEmptiedFields: (keyof SocketRecord)[];
}

const KEY_SHAPE_NAMES: readonly KeyShape[] = ['inet', 'inet-connected', 'unix-path', 'inode'];

/**
 * The lists every user of the table reads, from a table and its store groups. A function of
 * the table (rather than code over RECORD_FIELDS) so that a test can add a field and see every
 * list follow.
 */
export function deriveFieldLists(fields: readonly RecordField[], groups: readonly StoreGroup[]): FieldLists {
  const recordKeys = fields.map((entry) => entry.name);
  // content order: group by group, within a group table order
  const storedFields = groups
    .flatMap((group, groupIndex) => fields.filter((entry) => entry.stored?.group === group.name).map((entry) => ({ name: entry.name, group: groupIndex, check: entry.stored! as StoredCheck })))
    .map((entry, position) => ({ ...entry, position }));
  const unknownGroup = fields.find((entry) => entry.stored !== null && !groups.some((group) => group.name === entry.stored!.group));
  if (unknownGroup !== undefined) throw new Error(`record-fields: ${unknownGroup.name} is stored in a group that STORE_GROUPS does not list`);
  const contentLengths = groups.map((_, groupIndex) => storedFields.filter((entry) => entry.group <= groupIndex).length);
  const keyShapes = Object.fromEntries(
    KEY_SHAPE_NAMES.map((shape) => {
      const parts = new Map<number, KeyPart>();
      for (const entry of fields) {
        const use = entry.key[shape];
        if (use === undefined) continue;
        const [position, read] = use;
        const known = parts.get(position);
        if (known === undefined) parts.set(position, { position, read, name: entry.name, names: [entry.name] });
        else if (known.read !== read) throw new Error(`record-fields: key ${shape} position ${position} is read as ${known.read} and ${read}`);
        else parts.set(position, { ...known, names: [...known.names, entry.name] });
      }
      const ordered = [...parts.values()].sort((a, b) => a.position - b.position);
      ordered.forEach((part, index) => {
        if (part.position !== index) throw new Error(`record-fields: key ${shape} has no part at position ${index}`);
      });
      return [shape, ordered];
    }),
  ) as Record<KeyShape, KeyPart[]>;
  const keyFields = recordKeys.filter((name) => KEY_SHAPE_NAMES.some((shape) => keyShapes[shape].some((part) => part.names.includes(name))));
  const comparedFields = fields
    .flatMap((entry) => (typeof entry.compare === 'object' && 'rule' in entry.compare ? [{ name: entry.name, rule: entry.compare.rule, rank: entry.compare.rank }] : []))
    .sort((a, b) => a.rank - b.rank)
    .map(({ name, rule }) => ({ name, rule }));
  const hostEmptiedFields = fields.filter((entry) => entry.hostNeutral === 'empty').map((entry) => entry.name);
  return { recordKeys, storedFields, contentLengths, keyShapes, keyFields, comparedFields, hostEmptiedFields };
}

const LISTS = deriveFieldLists(RECORD_FIELDS, STORE_GROUPS);

/** The record's keys in the order every record is built with (one hidden class: record-shapes.ts). */
export const RECORD_KEYS: readonly (keyof SocketRecord)[] = LISTS.recordKeys;

/**
 * The stored fields in content order: group by group, within a group in table order.
 *
 * @example STORED_FIELDS.map((f) => f.name)
 *   -> netns, netnsName, family, ... uid, exposure (16), v6only, v6onlySource, container, publishedTo, backlog
 */
export const STORED_FIELDS: readonly StoredField[] = LISTS.storedFields;

/** A content's length when its last group is `group` (STORE_GROUPS order): [16, 18, 20, 21]. */
export const CONTENT_LENGTHS: readonly number[] = LISTS.contentLengths;

/** Each identity key shape's parts, in key order. */
export const KEY_SHAPES: Readonly<Record<KeyShape, readonly KeyPart[]>> = LISTS.keyShapes;

/** The fields any identity key reads. */
export const KEY_FIELDS: readonly (keyof SocketRecord)[] = LISTS.keyFields;

/** The fields a diff compares, in report order (rank). */
export const COMPARED_FIELDS: readonly ComparedField[] = LISTS.comparedFields;

/** Fields that hold a host's own numbers, emptied by `diff --to-host` (besides netns and owners). */
export const HOST_EMPTIED_FIELDS: readonly (keyof SocketRecord)[] = LISTS.hostEmptiedFields;

/** A field's entry. */
export function recordField(name: keyof SocketRecord): RecordField {
  const entry = (RECORD_FIELDS as readonly RecordField[]).find((candidate) => candidate.name === name);
  if (entry === undefined) throw new Error(`record-fields: no field ${name}`);
  return entry;
}

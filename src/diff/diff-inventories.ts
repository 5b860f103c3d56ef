import { isListening } from '../inventory/listening.js';
import { isEmptyFilter, matchesFilter } from '../inventory/socket-filter.js';
import { keyScope, socketKey } from '../inventory/socket-key.js';
import { COMPARED_FIELDS, KEY_SHAPES, RECORD_KEYS } from '../model/record-fields.js';
import type { Inventory, SocketRecord } from '../model/socket-record.js';
import { compareRecords } from './compare-records.js';
import { CHANGE_SECTIONS, type ChangeKind, type DiffChange, type DiffOptions, type DiffResult } from './diff-result.js';
import { flowContext, flowIdentity, flowKeyOf, isLingering, type FlowContext, type FlowIdentity } from './flows.js';
import { compareNaturalParts, naturalParts } from './natural-compare.js';
import { readableFlowKey, readableSocketKey } from './readable-key.js';
import { findRebound } from './rebound.js';
import { sectionOf } from './section.js';
import { uncomparedNamespaces } from './uncompared-namespaces.js';

/** One snapshot's sockets, split into those reported on their own and those counted in flows. */
interface Side {
  byKey: Map<string, SocketRecord[]>;
  flows: Map<string, { identity: FlowIdentity; count: number }>;
}

function emptySide(): Side {
  return { byKey: new Map(), flows: new Map() };
}

function countInFlow(side: Side, flow: string, socket: SocketRecord, context: FlowContext): void {
  const entry = side.flows.get(flow);
  if (entry === undefined) side.flows.set(flow, { identity: flowIdentity(socket, context), count: 1 });
  else entry.count += 1;
}

/** Files a socket of one side under its flow, or under its key to be matched with the other side. */
function addSocket(side: Side, socket: SocketRecord, context: FlowContext | null): void {
  const flow = context === null ? null : flowKeyOf(socket, context);
  if (flow !== null) {
    if (!isLingering(socket)) countInFlow(side, flow, socket, context!);
    return;
  }
  const key = socketKey(socket);
  const list = side.byKey.get(key);
  if (list === undefined) side.byKey.set(key, [socket]);
  else list.push(socket);
}

/**
 * The fields `untouched` compares with ===: every field a key reads (a key's scope aside:
 * compared as keyScope, since the container is an object) or a change rule compares (the
 * owners aside), from the field table (record-fields.ts).
 */
export const UNTOUCHED_FIELDS: readonly (keyof SocketRecord)[] = ((): (keyof SocketRecord)[] => {
  const compared = new Set([
    ...Object.values(KEY_SHAPES).flatMap((parts) => parts.flatMap((part) => (part.read === 'scope' ? [] : part.names))),
    ...COMPARED_FIELDS.flatMap(({ name, rule }) => (rule === 'change' || rule === 'change-when-known' || rule === 'instance' ? [name] : [])),
  ]);
  return RECORD_KEYS.filter((name) => compared.has(name));
})();

/**
 * Whether the plain fields of `untouched` are equal: compiled once from UNTOUCHED_FIELDS
 * into one expression, since it runs for every socket of both sides (a loop over the field
 * names measured 2.75x of the expression for a 50,000-socket diff: bench/record-fields-bench.mjs).
 */
// the source is built from the table alone, never from input
const samePlainFields = new Function(`return function samePlainFields(b, a) { return ${UNTOUCHED_FIELDS.map((name) => `b[${JSON.stringify(name)}] === a[${JSON.stringify(name)}]`).join(' && ')}; };`)() as (
  before: SocketRecord,
  after: SocketRecord,
) => boolean;

/**
 * Whether a socket is untouched between the snapshots: the same inode with every field a
 * key or a comparison looks at equal. Most sockets of a host are, and this lets them skip
 * key building and matching (50,000 sockets per side must diff in a fraction of a second).
 * v6only is left out: it only counts across instances (compareV6only).
 */
function untouched(before: SocketRecord, after: SocketRecord): boolean {
  if (!samePlainFields(before, after) || keyScope(before) !== keyScope(after) || before.owners.length !== after.owners.length) return false;
  for (let index = 0; index < before.owners.length; index += 1) {
    const left = before.owners[index]!;
    const right = after.owners[index]!;
    if (left.pid !== right.pid || left.exe !== right.exe || left.comm !== right.comm) return false;
  }
  return true;
}

/**
 * Both snapshots' sockets, split into sides. An untouched socket (same inode, same
 * content) can only count in the same flow on both sides: it is counted there and
 * otherwise left out, since matching it could only find "no change".
 */
function splitSides(
  before: Inventory,
  after: Inventory,
  included: ((socket: SocketRecord) => boolean) | null,
  context: FlowContext | null,
): [Side, Side] {
  const sideBefore = emptySide();
  const sideAfter = emptySide();
  const afterSockets = after.sockets;
  // an inode is normally listed once; one listed twice (an SCTP socket in eps and assocs;
  // in a snapshot stored before relisted-sockets.ts, a socket a batched dump met twice)
  // chains its later positions in nextWithInode, so each before record finds its own twin
  const afterIndexByInode = new Map<number, number>();
  const nextWithInode = new Int32Array(afterSockets.length).fill(-1);
  for (let index = afterSockets.length - 1; index >= 0; index -= 1) {
    const socket = afterSockets[index]!;
    if (socket.inode === 0 || (included !== null && !included(socket))) continue;
    const later = afterIndexByInode.get(socket.inode);
    if (later !== undefined) nextWithInode[index] = later;
    afterIndexByInode.set(socket.inode, index);
  }
  const untouchedAfter = new Uint8Array(afterSockets.length);
  for (const socket of before.sockets) {
    if (included !== null && !included(socket)) continue;
    let twinIndex = socket.inode === 0 ? undefined : afterIndexByInode.get(socket.inode);
    while (twinIndex !== undefined && (untouchedAfter[twinIndex] === 1 || !untouched(socket, afterSockets[twinIndex]!))) {
      const next = nextWithInode[twinIndex]!;
      twinIndex = next === -1 ? undefined : next;
    }
    if (twinIndex === undefined) {
      addSocket(sideBefore, socket, context);
      continue;
    }
    const twin = afterSockets[twinIndex]!;
    untouchedAfter[twinIndex] = 1;
    const flow = context === null ? null : flowKeyOf(socket, context);
    if (flow !== null && !isLingering(socket)) {
      countInFlow(sideBefore, flow, socket, context!);
      countInFlow(sideAfter, flow, twin, context!);
    }
  }
  for (let index = 0; index < afterSockets.length; index += 1) {
    const socket = afterSockets[index]!;
    if (untouchedAfter[index] === 0 && (included === null || included(socket))) addSocket(sideAfter, socket, context);
  }
  return [sideBefore, sideAfter];
}

function pidOrder(socket: SocketRecord): string {
  return socket.owners.map((owner) => String(owner.pid).padStart(10, '0')).join(',');
}

function byOwnersThenInode(a: SocketRecord, b: SocketRecord): number {
  const left = pidOrder(a);
  const right = pidOrder(b);
  return left < right ? -1 : left > right ? 1 : a.inode - b.inode;
}

/**
 * Pairs the instances of one key (several sockets may share a key: SO_REUSEPORT listeners,
 * forked workers): the same inode first, then the rest in owner order. What is left over
 * is opened or closed.
 */
function pairInstances(
  before: SocketRecord[],
  after: SocketRecord[],
): { pairs: [SocketRecord, SocketRecord][]; closed: SocketRecord[]; opened: SocketRecord[] } {
  if (before.length === 1 && after.length === 1) return { pairs: [[before[0]!, after[0]!]], closed: [], opened: [] };
  const pairs: [SocketRecord, SocketRecord][] = [];
  // every instance per inode, in order: an inode listed twice pairs first with first
  const afterByInode = new Map<number, SocketRecord[]>();
  for (const socket of after) {
    if (socket.inode === 0) continue;
    const listed = afterByInode.get(socket.inode);
    if (listed === undefined) afterByInode.set(socket.inode, [socket]);
    else listed.push(socket);
  }
  const beforeLeft: SocketRecord[] = [];
  const matched = new Set<SocketRecord>();
  for (const socket of before) {
    const same = socket.inode === 0 ? undefined : afterByInode.get(socket.inode)?.find((candidate) => !matched.has(candidate));
    if (same !== undefined) {
      matched.add(same);
      pairs.push([socket, same]);
    } else {
      beforeLeft.push(socket);
    }
  }
  const afterLeft = after.filter((socket) => !matched.has(socket)).sort(byOwnersThenInode);
  beforeLeft.sort(byOwnersThenInode);
  const common = Math.min(beforeLeft.length, afterLeft.length);
  for (let index = 0; index < common; index += 1) pairs.push([beforeLeft[index]!, afterLeft[index]!]);
  return { pairs, closed: beforeLeft.slice(common), opened: afterLeft.slice(common) };
}

function socketChange(kind: 'opened' | 'closed', socket: SocketRecord): DiffChange {
  return {
    kind,
    key: readableSocketKey(socket),
    tags: [],
    before: kind === 'closed' ? socket : null,
    after: kind === 'opened' ? socket : null,
    fields: [],
    flow: null,
    section: sectionOf(socket),
    severity: 0,
  };
}

/** Whether a socket can be reached from another host: listening, on more than loopback. */
function reachableFromOutside(socket: SocketRecord | null): boolean {
  return socket !== null && socket.exposure !== null && socket.exposure !== 'loopback' && isListening(socket);
}

/** Fields that say only that the socket instance or its processes were replaced. */
const RESTART_FIELDS = new Set(['pids', 'inode']);

/**
 * How much a change matters (issue 15: the finding an operator must see comes first):
 * 0 exposure widened; 1 a new listener reachable from outside (or a count of such
 * listeners that grew); 2 any other change of what a socket is (owner, uid, state,
 * backlog...) or an opening; 3 closed or narrowed; 4 restarted, workers replaced,
 * reopened; 5 counts of connections and ephemeral listeners.
 */
export function severityOf(change: DiffChange): number {
  if (change.tags.includes('exposure-widened')) return 0;
  if (change.kind === 'flow') {
    const flow = change.flow!;
    const reachable = flow.direction === 'listening' && flow.exposure !== null && flow.exposure !== 'loopback';
    return reachable && flow.countAfter > flow.countBefore ? 1 : 5;
  }
  if (change.kind === 'opened') return reachableFromOutside(change.after) ? 1 : 2;
  if (change.kind === 'closed' || change.tags.includes('exposure-narrowed')) return 3;
  if (change.kind === 'changed' && change.fields.every((field) => RESTART_FIELDS.has(field.field))) return 4;
  return 2;
}

/** The port a change is ordered by within its severity: the local one, or a flow's peer port. */
function portOf(change: DiffChange): number {
  const socket = change.after ?? change.before;
  const port = socket?.localPort ?? change.flow?.localPort ?? change.flow?.remotePort ?? null;
  return socket?.family === 'netlink' || port === null ? Number.MAX_SAFE_INTEGER : port;
}

function ipVersionOf(change: DiffChange): number {
  return (change.after ?? change.before)?.ipVersion ?? 0;
}

const KIND_ORDER: readonly ChangeKind[] = ['rebound', 'changed', 'closed', 'opened', 'flow'];

/**
 * Report order: section, then severity (severityOf), then port, then key in natural order,
 * then kind: the widened listener is the first line of its section, and the order is stable
 * for golden files and eyes.
 */
function sortChanges(changes: readonly DiffChange[]): DiffChange[] {
  const decorated = changes.map((change) => ({ change, parts: naturalParts(change.key), port: portOf(change) }));
  decorated.sort((a, b) => {
    const section = CHANGE_SECTIONS.indexOf(a.change.section) - CHANGE_SECTIONS.indexOf(b.change.section);
    if (section !== 0) return section;
    const severity = a.change.severity - b.change.severity;
    if (severity !== 0) return severity;
    const port = a.port - b.port;
    if (port !== 0) return port;
    // tcp before tcp6 on the same port, as people read them
    const version = ipVersionOf(a.change) - ipVersionOf(b.change);
    if (version !== 0) return version;
    const key = compareNaturalParts(a.parts, b.parts);
    if (key !== 0) return key;
    const kind = KIND_ORDER.indexOf(a.change.kind) - KIND_ORDER.indexOf(b.change.kind);
    if (kind !== 0) return kind;
    return (a.change.before?.inode ?? a.change.after?.inode ?? 0) - (b.change.before?.inode ?? b.change.after?.inode ?? 0);
  });
  return decorated.map(({ change }) => change);
}

/**
 * What was opened, closed, changed and rebound between two inventories (docs/design.md,
 * "Identity across snapshots"). Pure.
 *
 * Sockets are matched by socketKey. By default churning connections are counted in flows
 * (see flows.ts) and only flows whose count changed are reported; `sockets: true` reports
 * every socket instead. Namespaces one snapshot could not see are left out and listed in
 * `uncompared`; both snapshots' collection warnings are carried into the result.
 *
 * @example
 *   before: tcp 127.0.0.1:8080 LISTEN (/usr/bin/node)
 *   after:  tcp 0.0.0.0:8080 LISTEN (/usr/bin/node)
 *     -> one change { kind: 'rebound', key: 'tcp 0.0.0.0:8080 host', tags: ['exposure-widened'] }
 */
export function diffInventories(before: Inventory, after: Inventory, options: DiffOptions): DiffResult {
  const uncompared = uncomparedNamespaces(before, after);
  const skipped = new Set(uncompared.map((namespace) => namespace.netns));
  const context = options.sockets ? null : flowContext(before, after);
  const filter = options.filter === undefined || isEmptyFilter(options.filter) ? undefined : options.filter;
  // null when every socket is compared: the common case skips a call per socket
  const included =
    skipped.size === 0 && filter === undefined
      ? null
      : (socket: SocketRecord): boolean => !skipped.has(socket.netns) && (filter === undefined || matchesFilter(socket, filter));
  const [sideBefore, sideAfter] = splitSides(before, after, included, context);

  const changes: DiffChange[] = [];
  const closed: SocketRecord[] = [];
  const opened: SocketRecord[] = [];
  for (const [key, recordsBefore] of sideBefore.byKey) {
    const recordsAfter = sideAfter.byKey.get(key);
    if (recordsAfter === undefined) {
      closed.push(...recordsBefore);
      continue;
    }
    const instances = pairInstances(recordsBefore, recordsAfter);
    closed.push(...instances.closed);
    opened.push(...instances.opened);
    for (const [recordBefore, recordAfter] of instances.pairs) {
      const comparison = compareRecords(recordBefore, recordAfter);
      if (comparison === null) continue;
      changes.push({
        kind: 'changed',
        key: readableSocketKey(recordAfter),
        tags: comparison.tags,
        before: recordBefore,
        after: recordAfter,
        fields: comparison.fields,
        flow: null,
        section: sectionOf(recordAfter),
        severity: 0,
      });
    }
  }
  for (const [key, recordsAfter] of sideAfter.byKey) {
    if (!sideBefore.byKey.has(key)) opened.push(...recordsAfter);
  }

  const rebound = findRebound(closed, opened);
  changes.push(...rebound.rebound);
  for (const socket of rebound.closed) changes.push(socketChange('closed', socket));
  for (const socket of rebound.opened) changes.push(socketChange('opened', socket));

  const flowKeys = new Set([...sideBefore.flows.keys(), ...sideAfter.flows.keys()]);
  for (const key of flowKeys) {
    const entryBefore = sideBefore.flows.get(key);
    const entryAfter = sideAfter.flows.get(key);
    const countBefore = entryBefore?.count ?? 0;
    const countAfter = entryAfter?.count ?? 0;
    if (countBefore === countAfter) continue;
    const identity = (entryAfter ?? entryBefore)!.identity;
    changes.push({
      kind: 'flow',
      key: readableFlowKey(identity),
      tags: [],
      before: null,
      after: null,
      fields: [],
      flow: { ...identity, countBefore, countAfter },
      section: identity.direction === 'local' ? 'unix' : identity.direction === 'listening' ? 'bound' : 'connections',
      severity: 0,
    });
  }

  for (const change of changes) change.severity = severityOf(change);
  const sorted = sortChanges(changes);
  const count = (kind: ChangeKind): number => sorted.filter((change) => change.kind === kind).length;
  return {
    summary: { widened: sorted.filter((change) => change.tags.includes('exposure-widened')).length, opened: count('opened'), closed: count('closed'), changed: count('changed'), rebound: count('rebound'), flows: count('flow') },
    changes: sorted,
    warnings: { before: before.warnings, after: after.warnings },
    uncompared,
    rebooted: before.meta.bootId !== null && after.meta.bootId !== null && before.meta.bootId !== after.meta.bootId,
  };
}

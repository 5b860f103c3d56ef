import type { SocketFilter } from '../inventory/socket-filter.js';
import type { Exposure, InventoryWarning, SocketFamily, SocketRecord } from '../model/socket-record.js';

/**
 * The result of comparing two inventories (docs/design.md, "Identity across snapshots"): plain
 * data, rendered by render-text / render-json / render-unified / render-markdown.
 */

export type ChangeKind = 'opened' | 'closed' | 'changed' | 'rebound' | 'flow';

/**
 * `restarted`: the same program holds the socket, every process new; `workers-replaced`: a
 * process that held it before still does and others changed (a reload: `nginx -s reload`
 * keeps the master and replaces the workers); `reopened`: the same key, a new socket.
 */
export type ChangeTag = 'restarted' | 'workers-replaced' | 'reopened' | 'exposure-widened' | 'exposure-narrowed';

/** Where a change is shown in the text and markdown reports. */
export type ChangeSection = 'bound' | 'connections' | 'unix' | 'other';

export const CHANGE_SECTIONS: readonly ChangeSection[] = ['bound', 'connections', 'unix', 'other'];

export const SECTION_TITLES: Record<ChangeSection, string> = {
  bound: 'Listeners and bound sockets',
  connections: 'Connections and flows',
  unix: 'Unix sockets',
  other: 'Packet, raw, ICMP and netlink sockets',
};

/** One field that differs between the two instances of a key. */
export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

/**
 * A group of connections counted rather than listed, because their members churn:
 * - outbound: connected inet sockets on an ephemeral local port, keyed by the peer;
 * - inbound: connections accepted by a listener, keyed by the local port and peer address;
 * - local: unnamed (or accepted, path-sharing) unix connections, keyed by owner;
 * - listening: listeners on ports of the ephemeral range (UDP/UDP-Lite at any address, TCP
 *   on loopback: isEphemeralListener, the baseline's "ephemeral"), keyed by owner and
 *   exposure: a program that opens 30 of them is one line, not 30.
 */
export interface FlowChange {
  netns: number;
  netnsName: string;
  family: SocketFamily;
  direction: 'outbound' | 'inbound' | 'local' | 'listening';
  exe: string | null;
  localPort: number | null;
  remoteAddress: string | null;
  remotePort: number | null;
  /** unix flows only */
  type: string | null;
  path: string | null;
  /** listening groups only: the listeners' exposure */
  exposure: Exposure | null;
  countBefore: number;
  countAfter: number;
}

export interface DiffChange {
  kind: ChangeKind;
  /** readable form of the key, e.g. `tcp 0.0.0.0:22 host` */
  key: string;
  tags: ChangeTag[];
  before: SocketRecord | null;
  after: SocketRecord | null;
  fields: FieldChange[];
  flow: FlowChange | null;
  section: ChangeSection;
  /**
   * How much the change matters, for the report order (lower first; see severityOf in
   * diff-inventories.ts): 0 exposure widened, 1 new and reachable from outside, 2 other
   * changes and openings, 3 closed or narrowed, 4 restarts and reopenings, 5 counts.
   */
  severity: number;
}

/** A namespace whose sockets were left out because one snapshot could not see them. */
export interface UncomparedNamespace {
  netns: number;
  name: string;
  reason: 'unreadable-before' | 'unreadable-after' | 'absent-before' | 'absent-after';
  socketsBefore: number;
  socketsAfter: number;
}

export interface DiffSummary {
  /** changes tagged exposure-widened (counted again under their kind) */
  widened: number;
  opened: number;
  closed: number;
  changed: number;
  rebound: number;
  flows: number;
}

export interface DiffResult {
  summary: DiffSummary;
  changes: DiffChange[];
  /** collection warnings of either snapshot: sockets it could not see may look closed */
  warnings: { before: InventoryWarning[]; after: InventoryWarning[] };
  uncompared: UncomparedNamespace[];
  /** the boot ids differ: every process and socket is new, restarts are expected */
  rebooted: boolean;
}

export interface DiffOptions {
  /** report every socket instead of grouping churning connections into flows */
  sockets: boolean;
  /**
   * compare only the sockets this filter selects (as for `show`); applied after flows are
   * decided, so that a filter never changes how a connection is grouped
   */
  filter?: SocketFilter;
}

/** Which snapshot a side of the diff is, for report headers. */
export interface SnapshotRef {
  id: number | null;
  takenAt: string;
  host: string;
  label: string | null;
}

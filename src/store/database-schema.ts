/**
 * Kysely's view of the tables created by migrations/. Column names are snake_case as in
 * SQL; the mapping to the camelCase socket record lives in version-record.ts.
 */
import type { Generated } from 'kysely';

export interface HostsTable {
  id: Generated<number>;
  name: string;
}

export interface SnapshotsTable {
  id: Generated<number>;
  host_id: number;
  taken_at: string;
  boot_id: string | null;
  kernel: string | null;
  label: string | null;
  tool_version: string;
  proc_root: string;
  duration_ms: number;
  socket_count: number;
  /** JSON: InventoryWarning[] */
  warnings: string;
  /** JSON: NamespaceInfo[] */
  namespaces: string;
  /** JSON: [low, high] or null */
  ephemeral_ports: string | null;
  content_hash: string;
  prev_hash: string | null;
}

export interface ProcessesTable {
  id: number;
  host_id: number;
  fingerprint: string;
  pid: number;
  comm: string | null;
  exe: string | null;
  cmdline: string | null;
  uid: number | null;
  user: string | null;
}

export interface SocketVersionsTable {
  id: number;
  host_id: number;
  opened_in: number;
  closed_in: number | null;
  /** versionDigest() of the record with its owners */
  digest: string;
  /** encodeVersionContent() of the record */
  content: string;
  family: string;
  local_port: number | null;
  remote_port: number | null;
  path: string | null;
}

export interface SocketOwnersTable {
  host_id: number;
  version_id: number;
  process_id: number;
  fd: number;
}

/** Each host's set hash state after its latest snapshot (migration 0005; set-hash-head.ts). */
export interface SetHashHeadsTable {
  host_id: number;
  snapshot_id: number;
  /** SetHash.state(): 2048 bytes */
  state: Uint8Array;
}

/** migrations/0006-watch-events.ts: what `watch` saw between snapshots. */
export interface WatchEventsTable {
  id: Generated<number>;
  host_id: number;
  after_snapshot: number | null;
  seen_at: string;
  kind: string;
  source: string;
  family: string | null;
  local_port: number | null;
  remote_port: number | null;
  /** JSON: SocketRecord */
  record: string | null;
  opened_after: string | null;
  opened_by: string | null;
  closed_after: string | null;
  closed_by: string | null;
  lost: number | null;
  netns: number | null;
}

/** Snapshots a central store refused from `sockaudit push` (migration 0007; push-snapshots.ts). */
export interface PushRefusalsTable {
  id: Generated<number>;
  host: string;
  /** the snapshot's id in the host's own store */
  snapshot_id: number;
  taken_at: string;
  content_hash: string;
  reason: string;
  refused_at: string;
}

export interface Database {
  hosts: HostsTable;
  snapshots: SnapshotsTable;
  processes: ProcessesTable;
  socket_versions: SocketVersionsTable;
  socket_owners: SocketOwnersTable;
  set_hash_heads: SetHashHeadsTable;
  watch_events: WatchEventsTable;
  push_refusals: PushRefusalsTable;
}

import type { Kysely, Selectable } from 'kysely';
import type { InventoryMeta, InventoryWarning, NamespaceInfo } from '../model/socket-record.js';
import type { Database, SnapshotsTable } from './database-schema.js';

/** A stored snapshot's own row: what `list` shows and selectors resolve to. */
export interface SnapshotRow {
  id: number;
  hostId: number;
  host: string;
  takenAt: string;
  bootId: string | null;
  kernel: string | null;
  label: string | null;
  toolVersion: string;
  procRoot: string;
  durationMs: number;
  socketCount: number;
  warnings: InventoryWarning[];
  namespaces: NamespaceInfo[];
  ephemeralPorts: [number, number] | null;
  contentHash: string;
  prevHash: string | null;
}

/** Snapshots joined with their host name; add where/order/limit and execute. */
export function selectSnapshots(db: Kysely<Database>) {
  return db
    .selectFrom('snapshots as s')
    .innerJoin('hosts as h', 'h.id', 's.host_id')
    .selectAll('s')
    .select('h.name as host');
}

export function toSnapshotRow(row: Selectable<SnapshotsTable> & { host: string }): SnapshotRow {
  return {
    id: row.id,
    hostId: row.host_id,
    host: row.host,
    takenAt: row.taken_at,
    bootId: row.boot_id,
    kernel: row.kernel,
    label: row.label,
    toolVersion: row.tool_version,
    procRoot: row.proc_root,
    durationMs: row.duration_ms,
    socketCount: row.socket_count,
    warnings: JSON.parse(row.warnings) as InventoryWarning[],
    namespaces: JSON.parse(row.namespaces) as NamespaceInfo[],
    ephemeralPorts: row.ephemeral_ports === null ? null : (JSON.parse(row.ephemeral_ports) as [number, number]),
    contentHash: row.content_hash,
    prevHash: row.prev_hash,
  };
}

/**
 * toSnapshotRow for a row that may be damaged (verify): the row, or what is wrong with each
 * of its JSON columns, instead of throwing at the first.
 */
export function checkedSnapshotRow(row: Selectable<SnapshotsTable> & { host: string }): { row: SnapshotRow; problems: [] } | { row: null; problems: string[] } {
  const problems: string[] = [];
  const parse = (column: string, text: string | null, valid: (value: unknown) => boolean, expected: string): void => {
    if (text === null) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      problems.push(`its ${column} are not valid JSON`);
      return;
    }
    if (!valid(value)) problems.push(`its ${column} are not ${expected}`);
  };
  const isObjectArray = (value: unknown) => Array.isArray(value) && value.every((item) => typeof item === 'object' && item !== null && !Array.isArray(item));
  parse('warnings', row.warnings, (value) => isObjectArray(value) && (value as Record<string, unknown>[]).every((w) => typeof w.code === 'string' && typeof w.message === 'string' && typeof w.count === 'number'), 'a list of warnings');
  parse('namespaces', row.namespaces, (value) => isObjectArray(value) && (value as Record<string, unknown>[]).every((ns) => typeof ns.inode === 'number'), 'a list of namespaces');
  parse('ephemeral ports', row.ephemeral_ports, (value) => Array.isArray(value) && value.length === 2 && value.every((port) => Number.isInteger(port)), 'a [low, high] pair');
  return problems.length === 0 ? { row: toSnapshotRow(row), problems: [] } : { row: null, problems };
}

export function snapshotMeta(row: SnapshotRow): InventoryMeta {
  return {
    host: row.host,
    takenAt: row.takenAt,
    bootId: row.bootId,
    kernel: row.kernel,
    procRoot: row.procRoot,
    toolVersion: row.toolVersion,
    durationMs: row.durationMs,
    namespaces: row.namespaces,
    ephemeralPorts: row.ephemeralPorts,
  };
}

/** The id of a host's row, or undefined when nothing was ever stored for it. */
export async function findHostId(db: Kysely<Database>, host: string): Promise<number | undefined> {
  const row = await db.selectFrom('hosts').select('id').where('name', '=', host).executeTakeFirst();
  return row?.id;
}

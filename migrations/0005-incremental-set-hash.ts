/**
 * Snapshot content hashes change from rule v1 (SHA-256 over the metadata, the prev_hash
 * and every socket digest, sorted) to rule v2 (the same metadata and prev_hash, and the
 * LtHash multiset hash of the socket digests), so that verify checks a snapshot by its
 * changes instead of by rebuilding its sorted socket list. Also adds set_hash_heads: each
 * host's LtHash state after its latest snapshot, from which the next snapshot's set hash
 * is updated; and indexes that keep reading one snapshot of a long history cheap (below).
 *
 * Every host's history is first verified with rule v1 (digests recomputed from the stored
 * content and owners, socket counts, content hashes, the chain); a database that fails is
 * not migrated, and the error names the first bad snapshot. Then, in the same transaction
 * (open-store runs every migration in one), every content_hash is rewritten with rule v2
 * and every prev_hash with the new hash of the snapshot before it (the oldest snapshot of
 * a pruned history keeps the v1 hash of its gone predecessor: nothing compares it).
 *
 * Frozen in time: this file carries its own copy of both rules, of the version digest and
 * of LtHash, and imports no application code. Socket contents are hashed as stored (the
 * canonical string is the stored content text with the owners appended as one more
 * element), never decoded and re-encoded, so that it reads whatever content encoding the
 * earlier migrations' writers left. Cost: rule v1 needs every snapshot's sorted digest
 * list, so this migration is O(snapshots x sockets), once (a few ms per snapshot at 10,000
 * sockets).
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('set_hash_heads')
    .addColumn('host_id', 'integer', (col) => col.primaryKey().references('hosts.id'))
    .addColumn('snapshot_id', 'integer', (col) => col.notNull().references('snapshots.id'))
    .addColumn('state', 'blob', (col) => col.notNull())
    .execute();
  const hosts: { id: number; name: string }[] = await db.selectFrom('hosts').select(['id', 'name']).orderBy('id').execute();
  for (const host of hosts) await migrateHost(db, host);

  // A version is alive in snapshot N when opened_in <= N < closed_in. With both columns in
  // each index, that test is made on index entries alone, scanning from whichever end is
  // nearer N (load-versions chooses), instead of reading one row per entry: at a year of
  // snapshots, reading a snapshot from the middle looked at half the versions' rows.
  await db.schema.dropIndex('socket_versions_opened').execute();
  await db.schema.createIndex('socket_versions_opened').on('socket_versions').columns(['host_id', 'opened_in', 'closed_in']).execute();
  await db.schema.dropIndex('socket_versions_closed').execute();
  await db.schema.createIndex('socket_versions_closed').on('socket_versions').columns(['host_id', 'closed_in', 'opened_in']).execute();
  // history --port matches the remote port too: without an index that was a scan of every version
  await db.schema.createIndex('socket_versions_remote_port').on('socket_versions').columns(['remote_port']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  // rule v1 hashes cannot be restored without rebuilding every snapshot; refuse rather than lie
  throw new Error('migration 0005-incremental-set-hash cannot be undone (snapshot hashes were rewritten)');
}

const WINDOW = 2000;

interface SnapshotRow {
  id: number;
  taken_at: string;
  boot_id: string | null;
  kernel: string | null;
  label: string | null;
  tool_version: string;
  proc_root: string;
  duration_ms: number;
  socket_count: number;
  warnings: string;
  namespaces: string;
  ephemeral_ports: string | null;
  content_hash: string;
  prev_hash: string | null;
}

async function migrateHost(db: Kysely<any>, host: { id: number; name: string }): Promise<void> {
  const processRows: { id: number; pid: number; comm: unknown; exe: unknown; cmdline: unknown; uid: unknown; user: unknown }[] = await db
    .selectFrom('processes')
    .select(['id', 'pid', 'comm', 'exe', 'cmdline', 'uid', 'user'])
    .where('host_id', '=', host.id)
    .execute();
  const processes = new Map(processRows.map((row) => [row.id, row]));
  const sorted: string[] = []; // rule v1: the alive digests, sorted
  const set = new LtHash16(); // rule v2
  const closing = new Map<number, string[]>();
  let previousOldHash: string | undefined;
  let previousNewHash: string | undefined;
  let lastId: number | undefined;
  let afterId = 0;
  for (;;) {
    const rows = (await db.selectFrom('snapshots').selectAll().where('host_id', '=', host.id).where('id', '>', afterId).orderBy('id').limit(WINDOW).execute()) as SnapshotRow[];
    if (rows.length === 0) break;
    const versions: { id: number; opened_in: number; closed_in: number | null; digest: string; content: string; process_id: number | null; fd: number | null }[] = await db
      .selectFrom('socket_versions as v')
      .leftJoin('socket_owners as o', 'o.version_id', 'v.id')
      .select(['v.id', 'v.opened_in', 'v.closed_in', 'v.digest', 'v.content', 'o.process_id', 'o.fd'])
      .where('v.host_id', '=', host.id)
      .where('v.opened_in', '>=', rows[0]!.id)
      .where('v.opened_in', '<=', rows.at(-1)!.id)
      .orderBy('v.opened_in')
      .orderBy('v.id')
      .execute();
    let next = 0;
    for (const row of rows) {
      const fail = (why: string) => {
        throw new Error(`snapshot ${row.id} of host ${host.name} fails verification (${why}); the database was not migrated: restore it from a backup, or find what changed with the sockaudit version that wrote it`);
      };
      for (const digest of closing.get(row.id) ?? []) {
        sorted.splice(sortedIndex(sorted, digest), 1);
        set.remove(digest);
      }
      closing.delete(row.id);
      while (next < versions.length && versions[next]!.opened_in < row.id) next++;
      while (next < versions.length && versions[next]!.opened_in === row.id) {
        const first = versions[next]!;
        const owners: unknown[][] = [];
        for (; next < versions.length && versions[next]!.id === first.id; next++) {
          const link = versions[next]!;
          const process = link.process_id === null ? undefined : processes.get(link.process_id);
          if (process !== undefined) owners.push([process.pid, link.fd, process.comm, process.exe, process.cmdline, process.uid, process.user]);
        }
        const digest = versionDigest(canonicalString(first.content, sortOwners(owners)));
        if (digest !== first.digest) fail(`socket version ${first.id} does not match its stored digest`);
        if (first.closed_in !== null && first.closed_in <= row.id) fail(`socket version ${first.id} is closed before it opened`);
        sorted.splice(sortedIndex(sorted, digest), 0, digest);
        set.add(digest);
        if (first.closed_in !== null) {
          const list = closing.get(first.closed_in);
          if (list === undefined) closing.set(first.closed_in, [digest]);
          else list.push(digest);
        }
      }
      if (sorted.length !== row.socket_count) fail(`${sorted.length} sockets stored but ${row.socket_count} recorded`);
      if (hashV1(host.name, row, sorted.join('\n')) !== row.content_hash) fail('its content hash differs: stored content was altered or lost');
      if (previousOldHash !== undefined && row.prev_hash !== previousOldHash) fail('it does not chain to the snapshot before it');
      previousOldHash = row.content_hash;

      const prevHash = previousNewHash ?? row.prev_hash;
      const contentHash = hashV2(host.name, row, prevHash, set.digest());
      await db.updateTable('snapshots').set({ content_hash: contentHash, prev_hash: prevHash }).where('id', '=', row.id).execute();
      previousNewHash = contentHash;
      lastId = row.id;
    }
    afterId = rows.at(-1)!.id;
    if (rows.length < WINDOW) break;
  }
  if (lastId !== undefined) await db.insertInto('set_hash_heads').values({ host_id: host.id, snapshot_id: lastId, state: set.state() }).execute();
}

/** Position of `digest` in the sorted list (its first occurrence, or where it would go). */
function sortedIndex(sorted: string[], digest: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! < digest) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The canonical string: the stored content (a JSON array) with the owners as one more element. */
function canonicalString(content: string, owners: unknown[][]): string {
  return content.slice(0, -1) + ',' + JSON.stringify(owners) + ']';
}

/** Owners by pid, then fd, then the rest of the description as JSON text. */
function sortOwners(owners: unknown[][]): unknown[][] {
  if (owners.length < 2) return owners;
  const rest = (owner: unknown[]) => JSON.stringify(owner.slice(2));
  return owners.sort((a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number) || (rest(a) < rest(b) ? -1 : rest(a) > rest(b) ? 1 : 0));
}

function versionDigest(canonical: string): string {
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}

/** The metadata both rules hash, in their order, from the stored row. */
function metaFields(host: string, row: SnapshotRow): unknown[] {
  const namespaces = JSON.parse(row.namespaces) as { inode: unknown; name: unknown; readerPid: unknown; readable: unknown }[];
  const warnings = JSON.parse(row.warnings) as { code: unknown; message: unknown; count: unknown }[];
  return [
    host,
    row.taken_at,
    row.boot_id,
    row.kernel,
    row.proc_root,
    row.tool_version,
    row.duration_ms,
    namespaces.map((ns) => [ns.inode, ns.name, ns.readerPid, ns.readable]),
    row.ephemeral_ports === null ? null : JSON.parse(row.ephemeral_ports),
    row.label,
    warnings.map((warning) => [warning.code, warning.message, warning.count]),
  ];
}

function hashV1(host: string, row: SnapshotRow, sortedLines: string): string {
  return createHash('sha256')
    .update(JSON.stringify(['sockaudit-snapshot-v1', ...metaFields(host, row), row.prev_hash]))
    .update('\n' + sortedLines)
    .digest('hex');
}

function hashV2(host: string, row: SnapshotRow, prevHash: string | null, setDigest: string): string {
  return createHash('sha256')
    .update(JSON.stringify(['sockaudit-snapshot-v2', ...metaFields(host, row), prevHash, setDigest]))
    .digest('hex');
}

/**
 * LtHash with 1024 lanes of 16 bits; each element expanded by SHAKE256 over a domain tag
 * and the element to 2048 bytes, read as little-endian lanes; the stored state is the lanes
 * little-endian; the digest SHA-256 of the state, base64url. (One lane at a time: the
 * application's copy adds two per step, and the migration tests hold the two equal.)
 */
class LtHash16 {
  private readonly lanes = new Uint16Array(1024);

  add(element: string): void {
    const bytes = expand(element);
    for (let i = 0; i < 1024; i++) this.lanes[i] = (this.lanes[i]! + bytes.readUInt16LE(2 * i)) & 0xffff;
  }

  remove(element: string): void {
    const bytes = expand(element);
    for (let i = 0; i < 1024; i++) this.lanes[i] = (this.lanes[i]! - bytes.readUInt16LE(2 * i)) & 0xffff;
  }

  state(): Buffer {
    const bytes = Buffer.alloc(2048);
    for (let i = 0; i < 1024; i++) bytes.writeUInt16LE(this.lanes[i]!, 2 * i);
    return bytes;
  }

  digest(): string {
    return createHash('sha256').update(this.state()).digest('base64url');
  }
}

function expand(element: string): Buffer {
  return createHash('shake256', { outputLength: 2048 }).update('sockaudit-lthash16-element-v1\0' + element).digest();
}

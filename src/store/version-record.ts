import type { Insertable } from 'kysely';
import { StorageError } from '../errors.js';
import { CONTENT_LENGTHS, STORE_GROUPS, STORED_FIELDS, type StoreGroup, type StoredCheck, type StoredField } from '../model/record-fields.js';
import { emptyRecord } from '../model/record-shapes.js';
import type { SocketOwner, SocketRecord } from '../model/socket-record.js';
import type { SocketVersionsTable } from './database-schema.js';

/**
 * A socket record, owners and queues aside, as the text of its version's `content`
 * column: a JSON array in a fixed field order, so that equal records always give equal
 * text whatever the property order of the objects. Queues are not stored: they are
 * instantaneous, and storing them would make every snapshot a change.
 *
 * `v6only` and `v6onlySource` (added after the first release) are appended only when
 * v6only is known: every other record keeps the 16 fields it always had, so a version
 * stored before them decodes (v6only null) and re-encodes to the same text, and its stored
 * digest and its snapshots' hashes still verify. Decided over a format marker because it
 * changes nothing for the sockets it does not concern (IPv4, unix, connections...).
 *
 * `container` and `publishedTo` (added later still) follow the same rule: appended, with
 * the two v6only fields before them (null, null where v6only is unknown), only when either
 * is known, as arrays in a fixed order (the `tuple` parts of their table entries). Every
 * version stored before them, and every socket of the host outside containers, keeps its text.
 *
 * `backlog` (TCP listeners, known from sock_diag; issue 15) extends the same scheme:
 * optional fields are appended in a fixed order (v6only, v6onlySource, container,
 * publishedTo, backlog), only up to the last one known, every earlier optional field written
 * (null when unknown). So a version has 16 fields (none known), 18 (v6only), 20 (a container
 * or a published target) or 21 (a backlog). Every version stored before keeps its text,
 * digest and set hash; the first snapshot after an upgrade writes one new version of each
 * listener whose backlog it now knows.
 *
 * The fields, their groups (STORE_GROUPS), encodings and checks are the field table's
 * (src/model/record-fields.ts): this file holds the scheme, the table what it applies to.
 *
 * @example
 *   encodeVersionContent(tcp LISTEN 0.0.0.0:22 inode 1000)
 *     -> '[4026531840,"host","tcp",4,null,null,"LISTEN","0.0.0.0",22,"0.0.0.0",0,null,null,1000,0,"wildcard"]'
 * @example
 *   encodeVersionContent(tcp LISTEN [::]:9101 inode 1001, dual-stack as sock_diag reported it)
 *     -> '[4026531840,"host","tcp",6,null,null,"LISTEN","::",9101,null,null,null,null,1001,0,"wildcard",false,"socket"]'
 * @example
 *   encodeVersionContent(tcp LISTEN 0.0.0.0:6379 inode 1002 in docker container redis-1)
 *     -> '[4026532300,"container redis-1","tcp",4,null,null,"LISTEN","0.0.0.0",6379,"0.0.0.0",0,null,null,1002,999,"wildcard",
 *          null,null,["docker","3f4e...","redis-1","redis:7",null,null],null]'
 * @example
 *   encodeVersionContent(tcp LISTEN 0.0.0.0:80 inode 1003 on the host, listen(511) as sock_diag reported it)
 *     -> '[4026531840,"host","tcp",4,null,null,"LISTEN","0.0.0.0",80,null,null,null,null,1003,0,"wildcard",null,null,null,null,511]'
 */
export function encodeVersionContent(socket: SocketRecord): string {
  return JSON.stringify(contentFields(socket));
}

/**
 * The record's stored fields in content order (owners and queues aside): STORED_FIELDS, each
 * group written only when it or a later group is known.
 *
 * Compiled once from the table into straight-line code (what this function was by hand):
 * every snapshot runs it for every socket of the host, to compare digests.
 */
export const contentFields: (socket: SocketRecord) => unknown[] = compileContentFields(STORED_FIELDS, STORE_GROUPS);

/** The encoder, from the stored fields and their groups (see contentFields). */
export function compileContentFields(stored: readonly StoredField[], storeGroups: readonly StoreGroup[]): (socket: SocketRecord) => unknown[] {
  const read = (entry: StoredField): string => `s[${JSON.stringify(entry.name)}]`;
  const groups = storeGroups.map((group, index) => ({ ...group, fields: stored.filter((entry) => entry.group === index) })).filter((group) => group.fields.length > 0);
  const first = groups[0]!;
  const lines = [`const fields = [${first.fields.map(read).join(', ')}];`];
  const later = groups.slice(1);
  later.forEach((group, index) => {
    const known =
      group.presence === 'all' ? `${read(group.fields[0]!)} != null` : group.fields.map((entry) => `${read(entry)} != null`).join(' || ');
    lines.push(`const known${index} = ${known};`);
  });
  later.forEach((group, index) => {
    const written = later.map((_, at) => `known${at}`).slice(index).join(' || ');
    const values = group.fields.map((entry) => {
      const encoded =
        entry.check.as === 'tuple' ? `[${entry.check.parts.map(([part]) => `${read(entry)}[${JSON.stringify(part)}]`).join(', ')}]` : read(entry);
      return group.presence === 'all' ? `known${index} ? ${encoded} : null` : `${read(entry)} == null ? null : ${encoded}`;
    });
    lines.push(`if (${written}) fields.push(${values.join(', ')});`);
  });
  lines.push('return fields;');
  // the source is built from the table alone, never from input
  return new Function(`return function contentFields(s) {\n  ${lines.join('\n  ')}\n};`)();
}

/**
 * The socket record of a stored version; `owners` must already be sorted by pid then fd.
 * Fields not stored (recvQueue, sendQueue, peerInode) and groups the content does not hold
 * keep their empty values (null): a stored snapshot does not know them.
 */
export function decodeVersionContent(content: string, owners: SocketOwner[]): SocketRecord {
  let fields: unknown;
  try {
    fields = JSON.parse(content);
  } catch {
    fields = undefined;
  }
  const lastGroup = Array.isArray(fields) ? CONTENT_LENGTHS.indexOf(fields.length) : -1;
  if (lastGroup < 0) {
    throw new StorageError(`a stored socket version is damaged (content is not a ${CONTENT_LENGTHS.join('-, ').replace(/, (\d+)$/, ' or $1')}-field array); run sockaudit verify`);
  }
  const values = fields as unknown[];
  for (let group = 1; group <= lastGroup; group += 1) {
    const state = decodeGroup(group, values);
    if (state === 'damaged' || (group === lastGroup && state === 'unknown')) {
      throw new StorageError(`a stored socket version is damaged (${STORE_GROUPS[group]!.damaged}); run sockaudit verify`);
    }
  }
  const record = recordOfContent(values);
  record.owners = owners;
  return record;
}

/**
 * A record from a content's checked values: every stored field the content holds set, the
 * rest left empty. Compiled like contentFields (show reads 50,000 of them).
 */
const recordOfContent: (values: unknown[]) => SocketRecord = new Function(
  'emptyRecord',
  `return function recordOfContent(f) {\n  const r = emptyRecord(f[${STORED_FIELDS.findIndex((entry) => entry.name === 'family')}]);\n  ${STORED_FIELDS.map((entry) =>
    entry.group === 0 ? `r[${JSON.stringify(entry.name)}] = f[${entry.position}];` : `if (f.length > ${entry.position}) r[${JSON.stringify(entry.name)}] = f[${entry.position}];`,
  ).join('\n  ')}\n  return r;\n};`,
)(emptyRecord);

/**
 * Checks one optional group of a content and decodes its tuples in place: `known` (as the
 * group's presence says), `unknown` (every field null) or `damaged`.
 */
function decodeGroup(group: number, values: unknown[]): 'known' | 'unknown' | 'damaged' {
  const members = STORED_FIELDS.filter((entry) => entry.group === group);
  let known = 0;
  for (const entry of members) {
    const raw = values[entry.position];
    if (raw === null) continue;
    const decoded = decodeStored(entry.check, raw);
    if (decoded === undefined) return 'damaged';
    values[entry.position] = decoded;
    known += 1;
  }
  if (known === 0) return 'unknown';
  return STORE_GROUPS[group]!.presence === 'all' && known < members.length ? 'damaged' : 'known';
}

const isText = (value: unknown): value is string => typeof value === 'string';

/** One stored value, checked: the value itself (a tuple as its object), or undefined when malformed. */
function decodeStored(check: StoredCheck, value: unknown): unknown {
  switch (check.as) {
    case 'value':
      return value;
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'one-of':
      return check.values.includes(value as string) ? value : undefined;
    case 'count':
      return Number.isSafeInteger(value) && (value as number) >= 0 ? value : undefined;
    case 'tuple': {
      if (!Array.isArray(value) || value.length !== check.parts.length) return undefined;
      const decoded: Record<string, unknown> = {};
      for (let index = 0; index < check.parts.length; index += 1) {
        const [name, kind] = check.parts[index]!;
        const part: unknown = value[index];
        const valid =
          kind === 'text' ? isText(part) : kind === 'text-or-null' ? part === null || isText(part) : kind === 'integer' ? Number.isInteger(part) : kind[1].includes(part as string);
        if (!valid) return undefined;
        decoded[name] = part;
      }
      return decoded;
    }
  }
}

export type VersionInsert = Insertable<SocketVersionsTable>;

/** The searchable columns stored beside the content (history filters on these). */
export function versionSearchColumns(socket: SocketRecord): Pick<SocketVersionsTable, 'family' | 'local_port' | 'remote_port' | 'path'> {
  return { family: socket.family, local_port: socket.localPort, remote_port: socket.remotePort, path: socket.path };
}

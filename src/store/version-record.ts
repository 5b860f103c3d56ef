import type { Insertable } from 'kysely';
import { StorageError } from '../errors.js';
import type { Exposure, SocketFamily, SocketOwner, SocketRecord, V6onlySource } from '../model/socket-record.js';
import type { SocketVersionsTable } from './database-schema.js';
import { CONTAINER_RUNTIMES, type ContainerRuntime, type PublishedTarget, type SocketContainer } from '../model/container.js';

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
 * is known, as arrays in a fixed order (CONTAINER_FIELDS, TARGET_FIELDS). Every version
 * stored before them, and every socket of the host outside containers, keeps its text.
 *
 * `backlog` (TCP listeners, known from sock_diag; issue 15) extends the same scheme:
 * optional fields are appended in a fixed order (v6only, v6onlySource, container,
 * publishedTo, backlog), only up to the last one known, every earlier optional field written
 * (null when unknown). So a version has 16 fields (none known), 18 (v6only), 20 (a container
 * or a published target) or 21 (a backlog). Every version stored before keeps its text,
 * digest and set hash; the first snapshot after an upgrade writes one new version of each
 * listener whose backlog it now knows.
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

/** The record's stored fields in content order (owners and queues aside). */
export function contentFields(socket: SocketRecord): unknown[] {
  const fields: unknown[] = [
    socket.netns,
    socket.netnsName,
    socket.family,
    socket.ipVersion,
    socket.type,
    socket.protocol,
    socket.state,
    socket.localAddress,
    socket.localPort,
    socket.remoteAddress,
    socket.remotePort,
    socket.path,
    socket.interface,
    socket.inode,
    socket.uid,
    socket.exposure,
  ];
  const container = socket.container ?? null;
  const publishedTo = socket.publishedTo ?? null;
  const backlog = socket.backlog ?? null;
  if (backlog !== null) {
    fields.push(
      socket.v6only ?? null,
      socket.v6only === null || socket.v6only === undefined ? null : socket.v6onlySource,
      container === null ? null : [container.runtime, container.id, container.name, container.image, container.podName, container.podNamespace],
      publishedTo === null ? null : [publishedTo.container, publishedTo.address, publishedTo.port],
      backlog,
    );
  } else if (container !== null || publishedTo !== null) {
    fields.push(
      socket.v6only,
      socket.v6onlySource,
      container === null ? null : [container.runtime, container.id, container.name, container.image, container.podName, container.podNamespace],
      publishedTo === null ? null : [publishedTo.container, publishedTo.address, publishedTo.port],
    );
  } else if (typeof socket.v6only === 'boolean') fields.push(socket.v6only, socket.v6onlySource);
  return fields;
}

/** Fields of a version without v6only (every version stored before it existed). */
const CONTENT_FIELDS = 16;
/** Fields of a version with v6only and v6onlySource. */
const CONTENT_FIELDS_V6ONLY = 18;
/** Fields of a version with a container or a published target (v6only possibly null). */
const CONTENT_FIELDS_CONTAINER = 20;
/** Fields of a version with a backlog (the optional fields before it possibly null). */
const CONTENT_FIELDS_BACKLOG = 21;

/**
 * The socket record of a stored version; `owners` must already be sorted by pid then fd.
 * recvQueue, sendQueue and peerInode are null: a stored snapshot does not know them.
 */
export function decodeVersionContent(content: string, owners: SocketOwner[]): SocketRecord {
  let fields: unknown;
  try {
    fields = JSON.parse(content);
  } catch {
    fields = undefined;
  }
  const lengths = [CONTENT_FIELDS, CONTENT_FIELDS_V6ONLY, CONTENT_FIELDS_CONTAINER, CONTENT_FIELDS_BACKLOG];
  if (!Array.isArray(fields) || !lengths.includes(fields.length)) {
    throw new StorageError(`a stored socket version is damaged (content is not a ${lengths.join('-, ').replace(/, (\d+)$/, ' or $1')}-field array); run sockaudit verify`);
  }
  const [netns, netnsName, family, ipVersion, type, protocol, state, localAddress, localPort, remoteAddress, remotePort, path, iface, inode, uid, exposure, v6only = null, v6onlySource = null, containerFields = null, targetFields = null, backlog = null] = fields;
  const v6onlyKnown = typeof v6only === 'boolean' && (v6onlySource === 'socket' || v6onlySource === 'inferred');
  const v6onlyUnknown = v6only === null && v6onlySource === null;
  if (fields.length === CONTENT_FIELDS_V6ONLY ? !v6onlyKnown : !(v6onlyKnown || v6onlyUnknown)) {
    throw new StorageError('a stored socket version is damaged (its v6only fields are not a boolean and "socket" or "inferred"); run sockaudit verify');
  }
  const container = decodeContainer(containerFields);
  const publishedTo = decodeTarget(targetFields);
  if (fields.length === CONTENT_FIELDS_CONTAINER && ((containerFields !== null && container === null) || (targetFields !== null && publishedTo === null) || (container === null && publishedTo === null))) {
    throw new StorageError('a stored socket version is damaged (its container fields are malformed); run sockaudit verify');
  }
  if (fields.length === CONTENT_FIELDS_BACKLOG && ((containerFields !== null && container === null) || (targetFields !== null && publishedTo === null))) {
    throw new StorageError('a stored socket version is damaged (its container fields are malformed); run sockaudit verify');
  }
  if (fields.length === CONTENT_FIELDS_BACKLOG && !(Number.isSafeInteger(backlog) && (backlog as number) >= 0)) {
    throw new StorageError('a stored socket version is damaged (its backlog is not a non-negative integer); run sockaudit verify');
  }
  return {
    netns: netns as number,
    netnsName: netnsName as string,
    family: family as SocketFamily,
    ipVersion: ipVersion as 4 | 6 | null,
    type: type as string | null,
    protocol: protocol as number | null,
    state: state as string,
    localAddress: localAddress as string | null,
    localPort: localPort as number | null,
    remoteAddress: remoteAddress as string | null,
    remotePort: remotePort as number | null,
    path: path as string | null,
    interface: iface as string | null,
    inode: inode as number,
    uid: uid as number | null,
    recvQueue: null,
    sendQueue: null,
    owners,
    exposure: exposure as Exposure | null,
    v6only: v6only as boolean | null,
    v6onlySource: v6onlySource as V6onlySource | null,
    container,
    publishedTo,
    backlog: backlog as number | null,
    peerInode: null,
  };
}

const isText = (value: unknown): value is string => typeof value === 'string';
const isTextOrNull = (value: unknown): value is string | null => value === null || typeof value === 'string';

/** `[runtime, id, name, image, podName, podNamespace]` -> the container; null when absent or malformed. */
function decodeContainer(fields: unknown): SocketContainer | null {
  if (!Array.isArray(fields) || fields.length !== 6) return null;
  const [runtime, id, name, image, podName, podNamespace] = fields;
  if (!CONTAINER_RUNTIMES.includes(runtime as ContainerRuntime) || !isText(id) || !isText(name) || !isTextOrNull(image) || !isTextOrNull(podName) || !isTextOrNull(podNamespace)) return null;
  return { runtime: runtime as ContainerRuntime, id, name, image, podName, podNamespace };
}

/** `[container, address, port]` -> the target; null when absent or malformed. */
function decodeTarget(fields: unknown): PublishedTarget | null {
  if (!Array.isArray(fields) || fields.length !== 3) return null;
  const [container, address, port] = fields;
  if (!isTextOrNull(container) || !isText(address) || !Number.isInteger(port)) return null;
  return { container, address, port: port as number };
}

export type VersionInsert = Insertable<SocketVersionsTable>;

/** The searchable columns stored beside the content (history filters on these). */
export function versionSearchColumns(socket: SocketRecord): Pick<SocketVersionsTable, 'family' | 'local_port' | 'remote_port' | 'path'> {
  return { family: socket.family, local_port: socket.localPort, remote_port: socket.remotePort, path: socket.path };
}

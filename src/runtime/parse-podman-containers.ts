import { arrayField, isObject, parseJsonObject, stringField } from './json-fields.js';

/** A container as containers/storage lists it. */
export interface StorageContainer {
  name: string | null;
  /** the image name from the container's metadata (`image-name`), null when not recorded. */
  image: string | null;
}

const ID = /^[0-9a-f]{64}$/;
const MAX_CONTAINERS = 65536;
/** podman's metadata JSON text is a few hundred bytes. */
const MAX_METADATA = 65536;

/**
 * containers/storage's `overlay-containers/containers.json` (podman, CRI-O): an array of
 * `{ "id", "names": [...], "image", "metadata": "<JSON text>" }`. The first name is the
 * container's; podman's metadata JSON holds `image-name` (and its own `name`). Entries
 * that are not objects with a 64-hex id are skipped.
 *
 * @example
 *   parseStorageContainers('[{"id":"77aa...","names":["redis-1"],"image":"c0ffee...",
 *     "metadata":"{\"image-name\":\"docker.io/library/redis:7\",\"name\":\"redis-1\"}"}]')
 *   -> Map { '77aa...' => { name: 'redis-1', image: 'docker.io/library/redis:7' } }
 */
export function parseStorageContainers(text: string): Map<string, StorageContainer> {
  const containers = new Map<string, StorageContainer>();
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch {
    return containers;
  }
  if (!Array.isArray(entries)) return containers;
  for (const entry of entries.slice(0, MAX_CONTAINERS)) {
    const id = stringField(entry, 'id');
    if (id === null || !ID.test(id) || !isObject(entry)) continue;
    const names = arrayField(entry, 'names') ?? [];
    const first = names.find((name): name is string => typeof name === 'string' && name !== '' && name.length <= 512) ?? null;
    const metadataText = typeof entry.metadata === 'string' && entry.metadata.length <= MAX_METADATA ? entry.metadata : null;
    const metadata = metadataText === null ? null : parseJsonObject(metadataText);
    containers.set(id, { name: first ?? stringField(metadata, 'name'), image: stringField(metadata, 'image-name') });
  }
  return containers;
}

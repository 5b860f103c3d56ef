import path from 'node:path';
import type { ContainerRef, ContainerRuntime, SocketContainer } from '../model/container.js';
import { listBoundedDir, readBoundedFile } from './read-bounded-file.js';
import { parseDockerConfig, parseDockerHostConfigPorts, type PortPublication } from './parse-docker-config.js';
import { parseOciAnnotations } from './parse-oci-annotations.js';
import { parseStorageContainers, type StorageContainer } from './parse-podman-containers.js';

/** A metadata file is never larger than this (docker's config.v2.json is a few KiB). */
export const MAX_METADATA_BYTES = 1 << 20;
/** containers.json lists every container of the storage: larger, still bounded. */
export const MAX_STORAGE_LIST_BYTES = 16 << 20;
/** How many containers (or containerd namespaces) a state directory is listed for at most. */
const MAX_LISTED = 4096;

/**
 * Where each runtime keeps its metadata, relative to the runtime root (`/` on the live
 * host; `--runtime-root DIR` for a captured tree, which keeps the same layout under DIR).
 */
export const RUNTIME_PATHS = {
  docker: 'var/lib/docker/containers',
  containerdTasks: ['run/containerd/io.containerd.runtime.v2.task', 'run/containerd/io.containerd.runtime.v1.linux'],
  storageRun: 'run/containers/storage/overlay-containers',
  storageLib: 'var/lib/containers/storage/overlay-containers',
} as const;

/** A container as its metadata names it, with what docker publishes of it. */
export interface ContainerDescription {
  container: SocketContainer;
  /** docker's port map of a running container (others, and a stopped container: []). */
  ports: PortPublication[];
  /** the container's addresses (docker: from its networks; others: []). */
  addresses: string[];
  /** why no metadata could be read (the name is then the short id); null when read. */
  problem: string | null;
}

/** Reads runtime metadata (never the network, never a daemon's socket). */
export interface RuntimeMetadata {
  /** the root the runtime paths are under; null when there is none to read (a captured /proc tree without --runtime-root). */
  readonly root: string | null;
  describe(ref: ContainerRef): ContainerDescription;
  /** every docker container the root holds (for docker-proxy targets and published ports). */
  dockerContainers(): ContainerDescription[];
}

/** The first 12 characters of an id, as the runtimes' own tools show it. */
export function shortId(id: string): string {
  return /^[0-9a-f]{64}$/.test(id) ? id.slice(0, 12) : id;
}

/**
 * RuntimeMetadata over a directory (`/` for the live host), or over nothing (null: every
 * container is named by its id, with the reason). Each container is read once per
 * collection (cached by runtime and id); containers.json once per storage directory.
 */
export function createRuntimeMetadata(root: string | null): RuntimeMetadata {
  const cache = new Map<string, ContainerDescription>();
  const storageLists = new Map<string, Map<string, StorageContainer> | string>();
  let docker: ContainerDescription[] | null = null;
  const under = (relative: string): string => path.join(root ?? '/nonexistent', relative);

  const storageList = (dir: string): Map<string, StorageContainer> | string => {
    let list = storageLists.get(dir);
    if (list === undefined) {
      const read = readBoundedFile(path.join(under(dir), 'containers.json'), MAX_STORAGE_LIST_BYTES);
      list = 'text' in read ? parseStorageContainers(read.text) : read.problem;
      storageLists.set(dir, list);
    }
    return list;
  };

  const describeDocker = (ref: ContainerRef): ContainerDescription | string => {
    const dir = path.join(under(RUNTIME_PATHS.docker), ref.id);
    const read = readBoundedFile(path.join(dir, 'config.v2.json'), MAX_METADATA_BYTES);
    if (!('text' in read)) return `${path.join(dir, 'config.v2.json')}: ${read.problem}`;
    const config = parseDockerConfig(read.text);
    if (config === null) return `${path.join(dir, 'config.v2.json')}: not a JSON object`;
    let ports = config.running === false ? [] : config.ports;
    if (ports.length === 0 && config.running === true) {
      const host = readBoundedFile(path.join(dir, 'hostconfig.json'), MAX_METADATA_BYTES);
      if ('text' in host) ports = parseDockerHostConfigPorts(host.text);
    }
    return {
      container: {
        runtime: 'docker',
        id: ref.id,
        name: config.kubernetesContainerName ?? config.name ?? shortId(ref.id),
        image: config.image,
        podName: config.podName,
        podNamespace: config.podNamespace,
      },
      ports,
      addresses: config.addresses,
      problem: null,
    };
  };

  const describeContainerd = (ref: ContainerRef): ContainerDescription | string => {
    const tried: string[] = [];
    for (const tasks of RUNTIME_PATHS.containerdTasks) {
      for (const namespace of listBoundedDir(under(tasks), MAX_LISTED) ?? []) {
        const file = path.join(under(tasks), namespace, ref.id, 'config.json');
        const read = readBoundedFile(file, MAX_METADATA_BYTES);
        if (!('text' in read)) {
          if (read.problem !== 'missing') tried.push(`${file}: ${read.problem}`);
          continue;
        }
        return fromOci(ref, 'containerd', read.text, file);
      }
    }
    return tried[0] ?? `no containerd task config.json for ${shortId(ref.id)} under ${under('run/containerd')}`;
  };

  const describeStorage = (ref: ContainerRef, runtime: ContainerRuntime): ContainerDescription | string => {
    const listed = [RUNTIME_PATHS.storageLib, RUNTIME_PATHS.storageRun].map((dir) => storageList(dir)).find((list) => typeof list !== 'string' && list.has(ref.id));
    const stored = typeof listed === 'object' ? listed.get(ref.id)! : null;
    for (const dir of [RUNTIME_PATHS.storageRun, RUNTIME_PATHS.storageLib]) {
      const file = path.join(under(dir), ref.id, 'userdata', 'config.json');
      const read = readBoundedFile(file, MAX_METADATA_BYTES);
      if (!('text' in read)) continue;
      const description = fromOci(ref, runtime, read.text, file);
      if (typeof description === 'string') return description;
      if (stored !== null && description.container.podName === null) {
        description.container.name = stored.name ?? description.container.name;
        description.container.image = description.container.image ?? stored.image;
      }
      return description;
    }
    if (stored !== null) {
      return { container: { runtime, id: ref.id, name: stored.name ?? shortId(ref.id), image: stored.image, podName: null, podNamespace: null }, ports: [], addresses: [], problem: null };
    }
    return `no ${runtime} userdata/config.json or containers.json entry for ${shortId(ref.id)} under ${under('run/containers/storage')} or ${under('var/lib/containers/storage')}`;
  };

  const describeUncached = (ref: ContainerRef): ContainerDescription => {
    if (ref.runtime === 'nspawn' || ref.runtime === 'lxc') {
      // the machine's name is in its cgroup path: nothing more to read
      return { container: { runtime: ref.runtime, id: ref.id, name: ref.id, image: null, podName: null, podNamespace: null }, ports: [], addresses: [], problem: null };
    }
    const attempts: (() => ContainerDescription | string)[] =
      ref.runtime === 'docker'
        ? [() => describeDocker(ref)]
        : ref.runtime === 'containerd'
          ? [() => describeContainerd(ref)]
          : ref.runtime === 'cri-o'
            ? [() => describeStorage(ref, 'cri-o')]
            : ref.runtime === 'podman'
              ? [() => describeStorage(ref, 'podman')]
              : // `cri`: whichever runtime knows the id
                [() => describeContainerd(ref), () => describeStorage(ref, 'cri-o'), () => describeDocker(ref)];
    const problems: string[] = [];
    if (root === null) problems.push('no runtime metadata to read for a captured /proc tree (give --runtime-root)');
    else for (const attempt of attempts) {
      const result = attempt();
      if (typeof result !== 'string') return result;
      problems.push(result);
    }
    return {
      container: { runtime: ref.runtime, id: ref.id, name: shortId(ref.id), image: null, podName: null, podNamespace: null },
      ports: [],
      addresses: [],
      problem: problems.join('; '),
    };
  };

  return {
    root,
    describe(ref) {
      const key = `${ref.runtime}:${ref.id}`;
      let description = cache.get(key);
      if (description === undefined) {
        description = describeUncached(ref);
        // the pod uid from the cgroup path stands in for a pod name no metadata gave
        if (ref.podUid !== null && description.container.podName === null) description.container.podName = ref.podUid;
        cache.set(key, description);
      }
      return description;
    },
    dockerContainers() {
      if (docker === null) {
        docker = [];
        if (root === null) return docker;
        for (const id of listBoundedDir(under(RUNTIME_PATHS.docker), MAX_LISTED) ?? []) {
          if (!/^[0-9a-f]{64}$/.test(id)) continue;
          const description = this.describe({ runtime: 'docker', id, podUid: null });
          if (description.problem === null) docker.push(description);
        }
      }
      return docker;
    },
  };
}

/** A description from an OCI spec's annotations (containerd task, CRI-O or podman userdata). */
function fromOci(ref: ContainerRef, runtime: ContainerRuntime, text: string, file: string): ContainerDescription | string {
  const annotations = parseOciAnnotations(text);
  if (annotations === null) return `${file}: not a JSON object`;
  const name = annotations.containerName ?? (annotations.containerType === 'sandbox' ? 'pause' : null) ?? shortId(ref.id);
  return {
    container: { runtime, id: ref.id, name, image: annotations.image, podName: annotations.podName, podNamespace: annotations.podNamespace },
    ports: [],
    addresses: [],
    problem: null,
  };
}

import type { ContainerRef, SocketContainer } from '../model/container.js';
import type { SocketRecord } from '../model/socket-record.js';
import { parseCgroupContainer } from '../proc/parse-cgroup.js';
import type { ProcFs } from '../proc/proc-fs.js';
import type { RuntimeMetadata } from '../runtime/runtime-metadata.js';
import type { WarningLog } from './warning-log.js';

/**
 * A namespace with more processes than this is not looked at for a container name: one
 * container or pod rarely has hundreds of processes, and every one would be a read.
 */
const MAX_NAMESPACE_PIDS = 256;

/**
 * Which container each process runs in: its /proc/PID/cgroup (read once per pid) and the
 * runtime's metadata (read once per container). Only processes that own sockets, and
 * those of namespaces other than the host's, are ever looked at.
 */
export class ContainerIdentity {
  private readonly ofPid = new Map<number, SocketContainer | null>();
  /**
   * Parsed cgroup files by their text: a service's processes, a container's, a user
   * session's share one. With 200 alike ones (sockload at 50,000 sockets), parsed once
   * instead of 200 times, the owners' details took 3-4 ms instead of 4-10, after the fd
   * scan, when nothing else is left to run on the other core.
   */
  private readonly refOfText = new Map<string, ContainerRef | null>();
  private readonly warned = new Set<string>();

  constructor(
    private readonly proc: ProcFs,
    private readonly metadata: RuntimeMetadata,
    private readonly warnings: WarningLog,
  ) {}

  /** The container of a process; null on the host, or when its cgroup file cannot be read (gone, or hidden). */
  containerOf(pid: number): SocketContainer | null {
    const container = this.ofPid.get(pid);
    if (container !== undefined) return container;
    let text: string | null;
    try {
      text = this.proc.readText(`${pid}/cgroup`);
    } catch {
      text = null; // a vanished process, or no cgroup file in a captured tree: not in a known container
    }
    return this.learn(pid, text);
  }

  /**
   * Takes a process's cgroup file as already read (the fd scan reads the socket holders'
   * files on its own threads: process-details.ts), null when it could not be; a process
   * already looked at keeps what was read first.
   */
  learn(pid: number, cgroupText: string | null): SocketContainer | null {
    const known = this.ofPid.get(pid);
    if (known !== undefined) return known;
    let ref: ContainerRef | null | undefined = cgroupText === null ? null : this.refOfText.get(cgroupText);
    if (ref === undefined) {
      ref = parseCgroupContainer(cgroupText!);
      this.refOfText.set(cgroupText!, ref);
    }
    const container = ref === null ? null : this.describe(ref);
    this.ofPid.set(pid, container);
    return container;
  }

  private describe(ref: ContainerRef): SocketContainer {
    const description = this.metadata.describe(ref);
    if (description.problem !== null && !this.warned.has(`${ref.runtime}:${ref.id}`)) {
      this.warned.add(`${ref.runtime}:${ref.id}`);
      this.warnings.add(
        'container-metadata-unreadable',
        (count) => `${count} container(s) named by id only: their runtime metadata could not be read (first: ${ref.runtime} ${description.container.name}: ${description.problem})`,
      );
    }
    return description.container;
  }

  /**
   * The name a network namespace gets from its processes when they all run in one
   * container (`container redis-1`) or one pod (`pod default/web-7d9f`; a pod whose name
   * no metadata gave is named by its uid); null otherwise (no process, one outside any
   * container, two containers of no one pod, or too many processes to look at).
   *
   * @example pids of a docker container named web -> 'container web'
   * @example pids of pod web-7d9f's pause and nginx containers in namespace default -> 'pod default/web-7d9f'
   */
  namespaceName(pids: readonly number[]): { name: string; container: SocketContainer | null } | null {
    if (pids.length === 0 || pids.length > MAX_NAMESPACE_PIDS) return null;
    const containers = pids.map((pid) => this.containerOf(pid));
    if (containers.some((container) => container === null)) return null;
    const first = containers[0]!;
    if (containers.every((container) => container!.runtime === first.runtime && container!.id === first.id)) {
      return first.podName === null
        ? { name: `container ${first.name}`, container: first }
        : { name: `pod ${podLabel(first)}`, container: first };
    }
    if (first.podName !== null && containers.every((container) => container!.podName === first.podName && container!.podNamespace === first.podNamespace)) {
      return { name: `pod ${podLabel(first)}`, container: null };
    }
    return null;
  }
}

/** `default/web-7d9f`, or the pod's name (or uid) alone when its namespace is unknown. */
export function podLabel(container: SocketContainer): string {
  return container.podNamespace === null ? (container.podName ?? '') : `${container.podNamespace}/${container.podName ?? ''}`;
}

/**
 * Sets each record's container: its owners' when they all run in one container; for a
 * socket no process holds, the container whose namespace it is in (`namespaceContainer`).
 * `ownerPids`: every pid that owns a socket. When none runs in a container and no
 * namespace is a container's (a host without containers), the records keep the parsers'
 * null and the pass over them is skipped. Measured with sockload at 10,000 sockets (58 owner
 * processes, no containers) on a loaded 2-core machine: the container phase of a collection
 * took 11-17 ms of CPU with the pass (and the docker-proxy pass, likewise skipped when no
 * owner is docker-proxy), 2-4 ms without: what is left is reading the owners' cgroup files.
 */
export function attachContainers(sockets: readonly SocketRecord[], identity: ContainerIdentity, namespaceContainer: ReadonlyMap<number, SocketContainer>, ownerPids: Iterable<number>): void {
  let any = namespaceContainer.size > 0;
  for (const pid of ownerPids) if (identity.containerOf(pid) !== null) any = true;
  if (!any) return;
  for (const socket of sockets) {
    if (socket.owners.length === 0) {
      socket.container = namespaceContainer.get(socket.netns) ?? null;
      continue;
    }
    let container: SocketContainer | null = identity.containerOf(socket.owners[0]!.pid);
    for (let i = 1; i < socket.owners.length && container !== null; i++) {
      const other = identity.containerOf(socket.owners[i]!.pid);
      if (other === null || other.runtime !== container.runtime || other.id !== container.id) container = null;
    }
    socket.container = container;
  }
}

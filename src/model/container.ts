/**
 * Containers as the socket record names them (README, "The socket record": `container`,
 * `publishedTo`). Everything here comes from host files (cgroup paths, runtime metadata):
 * hostile text, escaped when printed.
 */

/**
 * Who runs a container. `cri` is a Kubernetes container found under kubepods with the
 * cgroupfs driver, whose path does not say which runtime made it (containerd, CRI-O or
 * docker): the runtime whose metadata knows the id replaces it.
 */
export type ContainerRuntime = 'docker' | 'containerd' | 'cri-o' | 'cri' | 'podman' | 'nspawn' | 'lxc';

export const CONTAINER_RUNTIMES: readonly ContainerRuntime[] = ['docker', 'containerd', 'cri-o', 'cri', 'podman', 'nspawn', 'lxc'];

/** A container a process runs in, as its cgroup path says (parse-cgroup.ts). */
export interface ContainerRef {
  runtime: ContainerRuntime;
  /** the runtime's id: 64 hex digits for docker, containerd, CRI-O and podman; the machine name for nspawn and LXC. */
  id: string;
  /** Kubernetes: the pod's uid from the kubepods path, null elsewhere. */
  podUid: string | null;
}

/** One container as a socket record names it. Field names are a contract: add, never rename. */
export interface SocketContainer {
  runtime: ContainerRuntime;
  id: string;
  /**
   * the runtime's name for it (docker's Name without the slash, Kubernetes' container name,
   * podman's first name, the machine name); the id's first 12 characters when no metadata
   * could be read.
   */
  name: string;
  /** the image reference as the runtime recorded it, null when unknown. */
  image: string | null;
  /** Kubernetes: the pod's name and namespace; null elsewhere or when unknown. */
  podName: string | null;
  podNamespace: string | null;
}

/** Where a host listener forwards to (docker-proxy), or where a DNAT-published port leads. */
export interface PublishedTarget {
  /** the container's name, or null when the target address matches no known container. */
  container: string | null;
  address: string;
  port: number;
}

/**
 * A container port published on the host with no host socket listening for it: forwarded
 * by DNAT alone (docker with its userland proxy off, or a rule read from nftables).
 */
export interface PublishedPort {
  protocol: 'tcp' | 'udp' | 'sctp';
  /** the host address it is published on ('0.0.0.0' or '::' for every address). */
  hostAddress: string;
  hostPort: number;
  target: PublishedTarget;
  /** where sockaudit learnt it: docker's metadata (config.v2.json NetworkSettings.Ports) or `nft -j list ruleset`. */
  source: 'docker' | 'nftables';
}

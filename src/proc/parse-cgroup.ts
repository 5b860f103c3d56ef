import type { ContainerRef } from '../model/container.js';

/**
 * /proc/PID/cgroup -> the container the process runs in, from the path its runtime gave
 * its cgroup; null for a process in no container. One line per hierarchy,
 * `ID:CONTROLLERS:PATH` (cgroup v1) or `0::PATH` (cgroup v2). The v2 line is read first,
 * then the v1 lines in order; within a path the deepest segment that names a container
 * wins (a container nested in another is the one the process runs in).
 *
 * Layouts recognised (systemd's `\x2d` escapes in unit names are decoded):
 *
 * @example docker, cgroupfs driver
 *   "12:pids:/docker/3f4e...(64 hex)" -> { runtime: 'docker', id: '3f4e...', podUid: null }
 * @example docker, systemd driver
 *   "0::/system.slice/docker-3f4e...(64 hex).scope" -> { runtime: 'docker', id: '3f4e...', podUid: null }
 * @example Kubernetes, cgroupfs driver (the runtime is not in the path: `cri`)
 *   "0::/kubepods/burstable/pod0d6a8c1e-5b1a-4c3e-9f00-1a2b3c4d5e6f/9a8b...(64 hex)"
 *     -> { runtime: 'cri', id: '9a8b...', podUid: '0d6a8c1e-5b1a-4c3e-9f00-1a2b3c4d5e6f' }
 * @example Kubernetes, systemd driver, containerd (the uid's dashes are underscores in the slice)
 *   "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0d6a8c1e_5b1a_4c3e_9f00_1a2b3c4d5e6f.slice/cri-containerd-9a8b....scope"
 *     -> { runtime: 'containerd', id: '9a8b...', podUid: '0d6a8c1e-5b1a-4c3e-9f00-1a2b3c4d5e6f' }
 * @example CRI-O: ".../crio-9a8b....scope" -> runtime 'cri-o' (never `crio-conmon-...`, the monitor)
 * @example podman: "0::/machine.slice/libpod-77aa....scope/container" -> { runtime: 'podman', id: '77aa...' }
 *   (never `libpod-conmon-...`, the monitor process outside the container)
 * @example systemd-nspawn
 *   "0::/machine.slice/machine-web\x2dfront.scope/payload" -> { runtime: 'nspawn', id: 'web-front' }
 *   "0::/machine.slice/systemd-nspawn@db.service/payload" -> { runtime: 'nspawn', id: 'db' }
 * @example LXC: "0::/lxc.payload.build1/init.scope" or "10:cpu:/lxc/build1" -> { runtime: 'lxc', id: 'build1' }
 *   (never `lxc.monitor.build1`, the monitor on the host)
 */
export function parseCgroupContainer(text: string): ContainerRef | null {
  const paths: string[] = [];
  let v2: string | null = null;
  for (const line of text.split('\n')) {
    const first = line.indexOf(':');
    const second = first < 0 ? -1 : line.indexOf(':', first + 1);
    if (second < 0) continue;
    const path = line.slice(second + 1);
    if (line.startsWith('0::')) v2 = path;
    else paths.push(path);
  }
  if (v2 !== null) paths.unshift(v2);
  for (const path of paths) {
    const found = containerOfPath(path);
    if (found !== null) return found;
  }
  return null;
}

const HEX_ID = /^[0-9a-f]{64}$/;
/** a machine or LXC container name: bounded, no slashes (it comes from one path segment). */
const MAX_NAME = 255;

/** The container a cgroup path names, from its deepest container segment; null if none. */
export function containerOfPath(path: string): ContainerRef | null {
  const segments = path.split('/').filter((segment) => segment !== '');
  const podUid = podUidOf(segments);
  for (let i = segments.length - 1; i >= 0; i--) {
    const segment = segments[i]!;
    const parent = i > 0 ? segments[i - 1]! : '';
    const found = containerOfSegment(segment, parent, podUid);
    if (found !== null) return found;
  }
  return null;
}

function containerOfSegment(segment: string, parent: string, podUid: string | null): ContainerRef | null {
  const scoped = (prefix: string, runtime: ContainerRef['runtime']): ContainerRef | null => {
    if (!segment.startsWith(prefix) || !segment.endsWith('.scope')) return null;
    const id = segment.slice(prefix.length, -'.scope'.length);
    return HEX_ID.test(id) ? { runtime, id, podUid } : null;
  };
  const found =
    scoped('docker-', 'docker') ??
    scoped('cri-containerd-', 'containerd') ??
    scoped('crio-', 'cri-o') ??
    scoped('libpod-', 'podman');
  if (found !== null) return found;
  if (HEX_ID.test(segment)) {
    if (parent === 'docker') return { runtime: 'docker', id: segment, podUid };
    if (podUid !== null) return { runtime: 'cri', id: segment, podUid };
    if (parent === 'libpod_parent' || parent.startsWith('libpod_pod_')) return { runtime: 'podman', id: segment, podUid };
    return null;
  }
  // podman's cgroupfs layout: /libpod_parent/libpod-ID
  if (segment.startsWith('libpod-') && parent === 'libpod_parent' && HEX_ID.test(segment.slice(7))) {
    return { runtime: 'podman', id: segment.slice(7), podUid };
  }
  if (segment.startsWith('machine-') && segment.endsWith('.scope')) {
    const name = unescapeUnitName(segment.slice('machine-'.length, -'.scope'.length));
    // podman's machine-libpod_pod_ID.slice is a slice, never a scope; a scope of a pod is not a machine
    return validName(name) && !name.startsWith('libpod') ? { runtime: 'nspawn', id: name, podUid: null } : null;
  }
  if (segment.startsWith('systemd-nspawn@') && segment.endsWith('.service')) {
    const name = unescapeUnitName(segment.slice('systemd-nspawn@'.length, -'.service'.length));
    return validName(name) ? { runtime: 'nspawn', id: name, podUid: null } : null;
  }
  if (segment.startsWith('lxc.payload.')) {
    const name = segment.slice('lxc.payload.'.length);
    return validName(name) ? { runtime: 'lxc', id: name, podUid: null } : null;
  }
  if ((parent === 'lxc' || parent === 'lxc.payload') && validName(segment)) return { runtime: 'lxc', id: segment, podUid: null };
  return null;
}

function validName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_NAME && name !== '.' && name !== '..';
}

/**
 * The pod uid of a kubepods path: `pod<uid>` (cgroupfs) or `kubepods[-QOS]-pod<uid>.slice`
 * (systemd, where the uid's dashes became underscores); null outside kubepods.
 */
function podUidOf(segments: readonly string[]): string | null {
  if (!segments.some((segment) => segment === 'kubepods' || segment.startsWith('kubepods.') || segment.startsWith('kubepods-'))) return null;
  for (const segment of segments) {
    let uid: string | null = null;
    if (/^pod[0-9a-fA-F-]{8,64}$/.test(segment)) uid = segment.slice(3);
    else {
      const match = /^kubepods(?:-[a-z]+)?-pod([0-9a-fA-F_]{8,64})\.slice$/.exec(segment);
      if (match !== null) uid = match[1]!.replace(/_/g, '-');
    }
    if (uid !== null) return uid.toLowerCase();
  }
  return null;
}

/**
 * systemd's unit-name escaping undone: `\xNN` is the byte NN (a `-` in a name is `\x2d`,
 * since a dash separates slice levels).
 *
 * @example unescapeUnitName('web\\x2dfront') -> 'web-front'
 */
export function unescapeUnitName(text: string): string {
  // a run of escapes is decoded at once: together they may be one UTF-8 character
  return text.replace(/(?:\\x[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.split('\\x').slice(1).map((hex) => parseInt(hex, 16))).toString('utf8'));
}

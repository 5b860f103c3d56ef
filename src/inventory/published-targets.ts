import type { PublishedPort } from '../model/container.js';
import type { SocketRecord } from '../model/socket-record.js';
import { parseDockerProxyArgv } from '../runtime/parse-docker-proxy-argv.js';
import type { DnatRule } from '../runtime/parse-nft-dnat.js';
import type { RuntimeMetadata } from '../runtime/runtime-metadata.js';
import { isListening } from './listening.js';

/**
 * Sets `publishedTo` on each host listener held by docker-proxy: the container address
 * and port its argv names, and the container that has that address (docker's metadata,
 * read only when a docker-proxy listener is there). A proxy whose target address no
 * container has keeps a target with `container` null.
 */
export function attachPublishedTargets(sockets: readonly SocketRecord[], runtime: RuntimeMetadata): void {
  let byAddress: Map<string, string> | null = null;
  for (const socket of sockets) {
    if (socket.owners.length === 0 || !isListening(socket)) continue;
    const owner = socket.owners.find((candidate) => candidate.comm === 'docker-proxy' && candidate.cmdline !== null);
    if (owner === undefined) continue;
    const forward = parseDockerProxyArgv(owner.cmdline!);
    if (forward === null || forward.hostPort !== socket.localPort) continue;
    if (byAddress === null) {
      byAddress = new Map();
      for (const description of runtime.dockerContainers()) {
        for (const address of description.addresses) if (!byAddress.has(address)) byAddress.set(address, description.container.name);
      }
    }
    socket.publishedTo = { container: byAddress.get(forward.containerIp) ?? null, address: forward.containerIp, port: forward.containerPort };
  }
}

/**
 * The ports docker's metadata says its running containers publish on the host, less those
 * a socket of the host's namespace listens for (docker-proxy, or anything else on that
 * port and address): what is left is forwarded by DNAT alone, with nothing on the host to
 * see in a socket table.
 *
 * @example redis-1 publishes 6379/tcp on 127.0.0.1:6379, nothing on the host listens on 6379
 *   -> [{ protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 6379, target: { container: 'redis-1', address: '172.17.0.3', port: 6379 }, source: 'docker' }]
 */
export function publishedWithoutListener(sockets: readonly SocketRecord[], hostNetns: number | null, runtime: RuntimeMetadata, dnat: readonly DnatRule[] = []): PublishedPort[] {
  const published: PublishedPort[] = [];
  const containers = runtime.dockerContainers();
  // nothing published (no docker container with ports, no DNAT rule): no pass over the sockets
  if (dnat.length === 0 && !containers.some((description) => description.ports.length > 0)) return published;
  const listened = new Set<string>();
  for (const socket of sockets) {
    if (socket.netns !== hostNetns || !isListening(socket) || socket.localPort === null) continue;
    listened.add(`${socket.family} ${socket.localPort} ${socket.localAddress ?? ''}`);
    listened.add(`${socket.family} ${socket.localPort} *`);
  }
  for (const description of containers) {
    for (const port of description.ports) {
      const wildcard = port.hostIp === '0.0.0.0' || port.hostIp === '::';
      // a wildcard publication is covered by any listener on the port; a specific one by one on its address or every address
      const covered = wildcard
        ? listened.has(`${port.protocol} ${port.hostPort} *`)
        : listened.has(`${port.protocol} ${port.hostPort} ${port.hostIp}`) || listened.has(`${port.protocol} ${port.hostPort} 0.0.0.0`) || listened.has(`${port.protocol} ${port.hostPort} ::`);
      if (covered) continue;
      published.push({
        protocol: port.protocol,
        hostAddress: port.hostIp,
        hostPort: port.hostPort,
        target: { container: description.container.name, address: description.addresses[0] ?? '', port: port.containerPort },
        source: 'docker',
      });
    }
  }
  // DNAT rules (nftables) name an address: the docker container that has it, if any
  if (dnat.length > 0) {
    const byAddress = new Map<string, string>();
    for (const description of runtime.dockerContainers()) for (const address of description.addresses) byAddress.set(address, description.container.name);
    const seen = new Set(published.map((port) => `${port.protocol} ${port.hostAddress} ${port.hostPort}`));
    for (const rule of dnat) {
      const wildcard = rule.hostAddress === '0.0.0.0' || rule.hostAddress === '::';
      const covered = wildcard
        ? listened.has(`${rule.protocol} ${rule.hostPort} *`)
        : listened.has(`${rule.protocol} ${rule.hostPort} ${rule.hostAddress}`) || listened.has(`${rule.protocol} ${rule.hostPort} 0.0.0.0`) || listened.has(`${rule.protocol} ${rule.hostPort} ::`);
      const key = `${rule.protocol} ${rule.hostAddress} ${rule.hostPort}`;
      if (covered || seen.has(key)) continue;
      seen.add(key);
      published.push({
        protocol: rule.protocol,
        hostAddress: rule.hostAddress,
        hostPort: rule.hostPort,
        target: { container: byAddress.get(rule.targetAddress) ?? null, address: rule.targetAddress, port: rule.targetPort },
        source: 'nftables',
      });
    }
  }
  return published.sort((a, b) => a.hostPort - b.hostPort || a.protocol.localeCompare(b.protocol) || a.hostAddress.localeCompare(b.hostAddress));
}

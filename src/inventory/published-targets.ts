import type { SocketRecord } from '../model/socket-record.js';
import { parseDockerProxyArgv } from '../runtime/parse-docker-proxy-argv.js';
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

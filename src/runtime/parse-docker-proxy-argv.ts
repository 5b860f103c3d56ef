/** What docker-proxy forwards, from its command line. */
export interface DockerProxyForward {
  protocol: 'tcp' | 'udp' | 'sctp';
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
}

const ADDRESS = /^[0-9a-fA-F:.]{2,45}$/;

/**
 * docker-proxy's argv (joined with spaces, as the socket record keeps cmdline): the
 * userland proxy docker starts for each published port, whose flags name both ends.
 * Flags may be written `-flag value` or `-flag=value` (Go's flag package); null when it
 * is not docker-proxy or an end is missing or malformed.
 *
 * @example
 *   parseDockerProxyArgv('/usr/bin/docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port 8080 -container-ip 172.17.0.2 -container-port 80')
 *     -> { protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 8080, containerIp: '172.17.0.2', containerPort: 80 }
 */
export function parseDockerProxyArgv(cmdline: string): DockerProxyForward | null {
  const words = cmdline.split(' ');
  if (!/(^|\/)docker-proxy$/.test(words[0] ?? '')) return null;
  const flags = new Map<string, string>();
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    const match = /^--?([a-z-]+)(?:=(.*))?$/.exec(word);
    if (match === null) continue;
    if (match[2] !== undefined) flags.set(match[1]!, match[2]);
    else if (i + 1 < words.length && !words[i + 1]!.startsWith('-')) flags.set(match[1]!, words[++i]!);
  }
  const protocol = flags.get('proto') ?? 'tcp';
  const hostIp = flags.get('host-ip');
  const containerIp = flags.get('container-ip');
  const hostPort = port(flags.get('host-port'));
  const containerPort = port(flags.get('container-port'));
  if ((protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'sctp') || hostIp === undefined || containerIp === undefined || hostPort === null || containerPort === null) return null;
  if (!ADDRESS.test(hostIp) || !ADDRESS.test(containerIp)) return null;
  return { protocol, hostIp, hostPort, containerIp, containerPort };
}

function port(text: string | undefined): number | null {
  if (text === undefined || !/^\d{1,5}$/.test(text)) return null;
  const value = Number(text);
  return value >= 1 && value <= 65535 ? value : null;
}

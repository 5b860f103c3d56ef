import { arrayField, isObject, objectField, parseJsonObject, portValue, stringField, type JsonObject } from './json-fields.js';

/** A container port published on the host, as docker records it. */
export interface PortPublication {
  protocol: 'tcp' | 'udp' | 'sctp';
  containerPort: number;
  /** the host address bound; '0.0.0.0' (docker's meaning of an empty HostIp) for every address. */
  hostIp: string;
  hostPort: number;
}

/** What sockaudit keeps of a docker container's config.v2.json. */
export interface DockerContainerConfig {
  /** Name without docker's leading slash. */
  name: string | null;
  image: string | null;
  /** Kubernetes (dockershim) labels, when the container belongs to a pod. */
  podName: string | null;
  podNamespace: string | null;
  kubernetesContainerName: string | null;
  /** NetworkSettings.Ports with host bindings. */
  ports: PortPublication[];
  /** the container's addresses on its networks (NetworkSettings.Networks.*.IPAddress / GlobalIPv6Address). */
  addresses: string[];
  /** State.Running: a stopped container publishes nothing. null when not said. */
  running: boolean | null;
}

/** At most this many port publications per container (a hostile file may list millions). */
const MAX_PORTS = 1024;
const MAX_NETWORKS = 64;

/**
 * docker's `containers/ID/config.v2.json`, defensively; null when it is not a JSON object.
 *
 * @example
 *   parseDockerConfig('{"ID":"3f4e...","Name":"/web","Config":{"Image":"nginx:1.27"},
 *     "NetworkSettings":{"Ports":{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"}],"443/tcp":null},
 *     "Networks":{"bridge":{"IPAddress":"172.17.0.2"}}}}')
 *   -> { name: 'web', image: 'nginx:1.27', ports: [{ protocol: 'tcp', containerPort: 80, hostIp: '0.0.0.0', hostPort: 8080 }],
 *        addresses: ['172.17.0.2'], running: null, podName: null, ... }
 */
export function parseDockerConfig(text: string): DockerContainerConfig | null {
  const document = parseJsonObject(text);
  if (document === null) return null;
  const name = stringField(document, 'Name');
  const config = objectField(document, 'Config');
  const labels = objectField(config, 'Labels');
  const settings = objectField(document, 'NetworkSettings');
  const addresses: string[] = [];
  const networks = objectField(settings, 'Networks');
  if (networks !== null) {
    for (const key of Object.keys(networks).slice(0, MAX_NETWORKS)) {
      const network = objectField(networks, key);
      for (const field of ['IPAddress', 'GlobalIPv6Address']) {
        const address = stringField(network, field);
        if (address !== null && /^[0-9a-fA-F:.]{2,45}$/.test(address)) addresses.push(address);
      }
    }
  }
  return {
    name: name === null ? null : name.replace(/^\//, '') || null,
    image: stringField(config, 'Image'),
    podName: stringField(labels, 'io.kubernetes.pod.name'),
    podNamespace: stringField(labels, 'io.kubernetes.pod.namespace'),
    kubernetesContainerName: stringField(labels, 'io.kubernetes.container.name'),
    ports: parsePortMap(objectField(settings, 'Ports')),
    addresses,
    running: typeof objectField(document, 'State')?.Running === 'boolean' ? (objectField(document, 'State')!.Running as boolean) : null,
  };
}

/**
 * docker's `containers/ID/hostconfig.json` PortBindings: what was asked to be published
 * (used when config.v2.json has no live port map, e.g. a stopped container's last state).
 *
 * @example parseDockerHostConfigPorts('{"PortBindings":{"6379/tcp":[{"HostIp":"","HostPort":"6379"}]}}')
 *   -> [{ protocol: 'tcp', containerPort: 6379, hostIp: '0.0.0.0', hostPort: 6379 }]
 */
export function parseDockerHostConfigPorts(text: string): PortPublication[] {
  return parsePortMap(objectField(parseJsonObject(text), 'PortBindings'));
}

/** `{"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}, ...], "53/udp": null}` -> publications. */
function parsePortMap(map: JsonObject | null): PortPublication[] {
  const publications: PortPublication[] = [];
  if (map === null) return publications;
  for (const key of Object.keys(map)) {
    const match = /^(\d{1,5})\/(tcp|udp|sctp)$/.exec(key);
    const containerPort = match === null ? null : portValue(match[1]);
    if (match === null || containerPort === null) continue;
    for (const binding of arrayField(map, key) ?? []) {
      if (publications.length >= MAX_PORTS) return publications;
      if (!isObject(binding)) continue;
      const hostPort = portValue(binding.HostPort);
      if (hostPort === null) continue;
      const hostIp = stringField(binding, 'HostIp') ?? '0.0.0.0';
      if (!/^[0-9a-fA-F:.]{2,45}$/.test(hostIp)) continue;
      publications.push({ protocol: match[2] as PortPublication['protocol'], containerPort, hostIp, hostPort });
    }
  }
  return publications;
}

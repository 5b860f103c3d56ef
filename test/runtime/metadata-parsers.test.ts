import { describe, expect, it } from 'vitest';
import { parseDockerConfig, parseDockerHostConfigPorts } from '../../src/runtime/parse-docker-config.js';
import { parseDockerProxyArgv } from '../../src/runtime/parse-docker-proxy-argv.js';
import { parseOciAnnotations } from '../../src/runtime/parse-oci-annotations.js';
import { parseStorageContainers } from '../../src/runtime/parse-podman-containers.js';

const ID = '77aa5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899';

describe('parseDockerConfig', () => {
  it('keeps name (without the slash), image, published ports and addresses', () => {
    const text = JSON.stringify({
      ID,
      Name: '/web',
      Config: { Image: 'nginx:1.27', Labels: { 'com.docker.compose.service': 'web' } },
      NetworkSettings: {
        Ports: { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }, { HostIp: '::', HostPort: '8080' }], '443/tcp': null, '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }] },
        Networks: { bridge: { IPAddress: '172.17.0.2', GlobalIPv6Address: '' } },
      },
    });
    expect(parseDockerConfig(text)).toEqual({
      name: 'web',
      image: 'nginx:1.27',
      podName: null,
      podNamespace: null,
      kubernetesContainerName: null,
      ports: [
        { protocol: 'tcp', containerPort: 80, hostIp: '0.0.0.0', hostPort: 8080 },
        { protocol: 'tcp', containerPort: 80, hostIp: '::', hostPort: 8080 },
        { protocol: 'udp', containerPort: 53, hostIp: '127.0.0.1', hostPort: 5353 },
      ],
      addresses: ['172.17.0.2'],
      running: null,
    });
  });

  it('reads dockershim pods from the Kubernetes labels', () => {
    const text = JSON.stringify({ Name: '/k8s_nginx_web-7d9f_default_uid_0', Config: { Labels: { 'io.kubernetes.pod.name': 'web-7d9f', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.container.name': 'nginx' } } });
    expect(parseDockerConfig(text)).toMatchObject({ podName: 'web-7d9f', podNamespace: 'default', kubernetesContainerName: 'nginx' });
  });

  it('survives hostile input: wrong types, prototype keys, bad ports, huge strings', () => {
    expect(parseDockerConfig('not json')).toBeNull();
    expect(parseDockerConfig('[1,2]')).toBeNull();
    const hostile = '{"Name": 42, "__proto__": {"Name": "/evil"}, "Config": "x", "NetworkSettings": {"Ports": {"80/tcp": "x", "99999/tcp": [{"HostPort": "1"}], "81/tcp": [{"HostPort": "70000"}, {"HostPort": "8081", "HostIp": "$(reboot)"}, 5]}, "Networks": {"a": {"IPAddress": "1.2.3.4; rm"}}}}';
    expect(parseDockerConfig(hostile)).toEqual({ name: null, image: null, podName: null, podNamespace: null, kubernetesContainerName: null, ports: [], addresses: [], running: null });
    expect(parseDockerConfig(JSON.stringify({ Name: '/' + 'x'.repeat(10_000) }))?.name).toBeNull();
    // a NUL is shown as U+FFFD, neither hidden nor carried into a store that refuses it (model/nul-free-text.ts)
    expect(parseDockerConfig(JSON.stringify({ Name: '/we\u0000b', Config: { Image: 'nginx\u0000:evil' } }))).toMatchObject({ name: 'we\uFFFDb', image: 'nginx\uFFFD:evil' });
  });

  it('hostconfig.json PortBindings: an empty HostIp means every address', () => {
    expect(parseDockerHostConfigPorts('{"PortBindings":{"6379/tcp":[{"HostIp":"","HostPort":"6379"}]}}')).toEqual([{ protocol: 'tcp', containerPort: 6379, hostIp: '0.0.0.0', hostPort: 6379 }]);
    expect(parseDockerHostConfigPorts('{}')).toEqual([]);
  });
});

describe('parseOciAnnotations', () => {
  it("reads the CRI plugin's annotations (containerd)", () => {
    const text = JSON.stringify({
      ociVersion: '1.0.2',
      annotations: {
        'io.kubernetes.cri.container-type': 'container',
        'io.kubernetes.cri.sandbox-name': 'web-7d9f',
        'io.kubernetes.cri.sandbox-namespace': 'default',
        'io.kubernetes.cri.container-name': 'nginx',
        'io.kubernetes.cri.image-name': 'docker.io/library/nginx:1.27',
      },
    });
    expect(parseOciAnnotations(text)).toEqual({ podName: 'web-7d9f', podNamespace: 'default', containerName: 'nginx', containerType: 'container', image: 'docker.io/library/nginx:1.27' });
  });

  it('reads the io.kubernetes.pod.* form (CRI-O), and a sandbox has no container name', () => {
    const text = JSON.stringify({ annotations: { 'io.kubernetes.pod.name': 'db-0', 'io.kubernetes.pod.namespace': 'data', 'io.kubernetes.container.name': 'POD', 'io.kubernetes.cri-o.ContainerType': 'sandbox' } });
    expect(parseOciAnnotations(text)).toEqual({ podName: 'db-0', podNamespace: 'data', containerName: null, containerType: 'sandbox', image: null });
  });

  it('gives nulls for a spec without annotations, null for text that is not an object', () => {
    expect(parseOciAnnotations('{"ociVersion":"1.0.2"}')).toEqual({ podName: null, podNamespace: null, containerName: null, containerType: null, image: null });
    expect(parseOciAnnotations('"x"')).toBeNull();
    expect(parseOciAnnotations('{"annotations":{"io.kubernetes.pod.name":["a"]}}')?.podName).toBeNull();
  });
});

describe('parseStorageContainers', () => {
  it("gives each container's first name and its metadata's image name", () => {
    const text = JSON.stringify([
      { id: ID, names: ['redis-1', 'alias'], image: 'c0ffee', metadata: JSON.stringify({ 'image-name': 'docker.io/library/redis:7', name: 'redis-1' }) },
      { id: 'short', names: ['skipped'] },
      'not an object',
    ]);
    expect([...parseStorageContainers(text)]).toEqual([[ID, { name: 'redis-1', image: 'docker.io/library/redis:7' }]]);
    expect(parseStorageContainers('{').size).toBe(0);
    expect(parseStorageContainers('{"id":1}').size).toBe(0);
  });
});

describe('parseDockerProxyArgv', () => {
  it('reads both ends, in `-flag value` and `-flag=value` forms', () => {
    expect(parseDockerProxyArgv('/usr/bin/docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port 8080 -container-ip 172.17.0.2 -container-port 80')).toEqual({ protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 8080, containerIp: '172.17.0.2', containerPort: 80 });
    expect(parseDockerProxyArgv('docker-proxy -proto=udp -host-ip=:: -host-port=53 -container-ip=fd00::2 -container-port=53 -use-listen-fd')).toEqual({ protocol: 'udp', hostIp: '::', hostPort: 53, containerIp: 'fd00::2', containerPort: 53 });
  });

  it('refuses other programs and incomplete or malformed argv', () => {
    expect(parseDockerProxyArgv('/usr/bin/socat -host-ip 0.0.0.0 -host-port 1 -container-ip 1.2.3.4 -container-port 2')).toBeNull();
    expect(parseDockerProxyArgv('/usr/bin/docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port 8080')).toBeNull();
    expect(parseDockerProxyArgv('/usr/bin/docker-proxy -proto icmp -host-ip 0.0.0.0 -host-port 8080 -container-ip 172.17.0.2 -container-port 80')).toBeNull();
    expect(parseDockerProxyArgv('/usr/bin/docker-proxy -host-ip x;y -host-port 8080 -container-ip 172.17.0.2 -container-port 80')).toBeNull();
  });
});

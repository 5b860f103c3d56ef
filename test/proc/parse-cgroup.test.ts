import { describe, expect, it } from 'vitest';
import { containerOfPath, parseCgroupContainer, unescapeUnitName } from '../../src/proc/parse-cgroup.js';

const ID = '3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899';
const ID2 = '9a8b7c6d5e4f30211203f4e5d6c7b8a99887766554433221100ffeeddccbbaa0';
const UID = '0d6a8c1e-5b1a-4c3e-9f00-1a2b3c4d5e6f';

describe('parseCgroupContainer', () => {
  it('docker, cgroupfs driver (cgroup v1, every hierarchy)', () => {
    const text = `12:pids:/docker/${ID}\n11:memory:/docker/${ID}\n1:name=systemd:/docker/${ID}\n`;
    expect(parseCgroupContainer(text)).toEqual({ runtime: 'docker', id: ID, podUid: null });
  });

  it('docker, systemd driver (cgroup v2)', () => {
    expect(parseCgroupContainer(`0::/system.slice/docker-${ID}.scope\n`)).toEqual({ runtime: 'docker', id: ID, podUid: null });
  });

  it('Kubernetes with the cgroupfs driver: runtime `cri`, pod uid kept', () => {
    expect(parseCgroupContainer(`0::/kubepods/burstable/pod${UID}/${ID2}\n`)).toEqual({ runtime: 'cri', id: ID2, podUid: UID });
    expect(parseCgroupContainer(`4:cpu,cpuacct:/kubepods/pod${UID}/${ID2}\n`)).toEqual({ runtime: 'cri', id: ID2, podUid: UID });
  });

  it('Kubernetes with the systemd driver: containerd, CRI-O, docker; the slice uid has underscores', () => {
    const slice = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID.replace(/-/g, '_')}.slice`;
    expect(parseCgroupContainer(`0::${slice}/cri-containerd-${ID2}.scope\n`)).toEqual({ runtime: 'containerd', id: ID2, podUid: UID });
    expect(parseCgroupContainer(`0::${slice}/crio-${ID2}.scope\n`)).toEqual({ runtime: 'cri-o', id: ID2, podUid: UID });
    expect(parseCgroupContainer(`0::/kubepods.slice/kubepods-pod${UID.replace(/-/g, '_')}.slice/docker-${ID2}.scope\n`)).toEqual({ runtime: 'docker', id: ID2, podUid: UID });
  });

  it("never the runtimes' monitor processes (conmon) as the container", () => {
    expect(parseCgroupContainer(`0::/kubepods.slice/kubepods-pod${UID.replace(/-/g, '_')}.slice/crio-conmon-${ID2}.scope\n`)).toBeNull();
    expect(parseCgroupContainer(`0::/machine.slice/libpod-conmon-${ID}.scope\n`)).toBeNull();
    expect(parseCgroupContainer('0::/lxc.monitor.build1\n')).toBeNull();
  });

  it('podman / libpod: systemd and cgroupfs layouts, nested cgroups inside the container', () => {
    expect(parseCgroupContainer(`0::/machine.slice/libpod-${ID}.scope/container\n`)).toEqual({ runtime: 'podman', id: ID, podUid: null });
    expect(parseCgroupContainer(`0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope\n`)).toEqual({ runtime: 'podman', id: ID, podUid: null });
    expect(parseCgroupContainer(`0::/libpod_parent/libpod-${ID}\n`)).toEqual({ runtime: 'podman', id: ID, podUid: null });
    expect(parseCgroupContainer(`0::/machine.slice/machine-libpod_pod_${ID2}.slice/libpod-${ID}.scope/container\n`)).toEqual({ runtime: 'podman', id: ID, podUid: null });
  });

  it("systemd-nspawn: machine scopes with systemd's escaping, and the nspawn service", () => {
    expect(parseCgroupContainer('0::/machine.slice/machine-web\\x2dfront.scope/payload\n')).toEqual({ runtime: 'nspawn', id: 'web-front', podUid: null });
    expect(parseCgroupContainer('0::/machine.slice/systemd-nspawn@db.service/payload/system.slice/postgresql.service\n')).toEqual({ runtime: 'nspawn', id: 'db', podUid: null });
  });

  it('LXC: v1 /lxc/NAME and v2 /lxc.payload.NAME', () => {
    expect(parseCgroupContainer('10:cpu:/lxc/build1\n')).toEqual({ runtime: 'lxc', id: 'build1', podUid: null });
    expect(parseCgroupContainer('0::/lxc.payload.build1/init.scope\n')).toEqual({ runtime: 'lxc', id: 'build1', podUid: null });
  });

  it('the v2 line wins over v1 lines; a host process is in no container', () => {
    expect(parseCgroupContainer(`0::/system.slice/docker-${ID}.scope\n1:name=systemd:/docker/${ID2}\n`)?.id).toBe(ID);
    expect(parseCgroupContainer('0::/system.slice/ssh.service\n')).toBeNull();
    expect(parseCgroupContainer('0::/init.scope\n')).toBeNull();
    expect(parseCgroupContainer('')).toBeNull();
  });

  it('refuses ids that are not 64 hex digits and malformed lines', () => {
    expect(parseCgroupContainer('0::/system.slice/docker-abc.scope\n')).toBeNull();
    expect(parseCgroupContainer(`0::/docker/${ID.toUpperCase()}\n`)).toBeNull();
    expect(parseCgroupContainer(`garbage without colons /docker/${ID}\n`)).toBeNull();
    expect(containerOfPath(`/docker/../${ID}`)).toBeNull();
  });
});

describe('unescapeUnitName', () => {
  it('decodes \\xNN runs as UTF-8 and leaves the rest', () => {
    expect(unescapeUnitName('web\\x2dfront')).toBe('web-front');
    expect(unescapeUnitName('caf\\xc3\\xa9')).toBe('café');
    expect(unescapeUnitName('plain')).toBe('plain');
  });
});

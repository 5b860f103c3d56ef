#!/usr/bin/env node
/*
 * capture-proc.mjs - copy the part of a live /proc that sockaudit's collector reads into a
 * fixture tree, so that `sockaudit collect --proc-root DIR` and the golden tests can replay it.
 * Node >= 20, no dependencies. Run as root to see every process. See fixtures/README.md.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HELP = `capture-proc.mjs - capture a /proc subset as a sockaudit fixture tree

Usage:
  node scripts/capture-proc.mjs --out fixtures/proc/CASE [--pids all|PID,...] [options]

Options:
  --out DIR          fixture tree to write (must not exist, or be empty)
  --pids all|LIST    processes to copy: "all" (default) = every pid holding at least one
                     socket fd; or a comma-separated list. Pid 1 and this process are
                     always added (the tree's "self" link points at this process).
  --other-fds N      non-socket fds kept per process, so that fd filtering is exercised
                     (default 4); socket fds are always all kept
  --proc DIR         proc root to copy from (default /proc)
  --runtime-out DIR  also write the container runtimes' metadata the collector reads, for
                     \`sockaudit collect --proc-root OUT --runtime-root DIR\` (must not
                     exist, or be empty): see "Runtime metadata" below
  --runtime-from DIR where the runtimes' metadata is read (default /; a captured
                     --runtime-out tree, to re-capture a fixture)
  --sock-diag        also record each namespace's sock_diag dumps (TCP, UDP, UDP-Lite
                     v4/v6, unix) as the kernel sent them, right after its /proc text,
                     through the native addon (npm run build:native first; root to
                     enter another namespace). For the equivalence tests of the C
                     decoders: capture a quiet namespace (one made for it), where
                     nothing changes between the text and the dump
  --help             this text

What is written (everything else of /proc is left out):
  PID/comm stat status cmdline      copied verbatim (cmdline keeps its NUL bytes)
  PID/fd/N                          symlinks with the live targets (socket:[I], pipe:[I], ...)
  PID/exe, PID/ns/net               symlinks with the live targets (dangling in the tree);
                                    left out where the live link is unreadable
  PID/net/{tcp,...,netlink}         once per network namespace, under the lowest captured pid
  PID/net/sctp/{eps,assocs}         of that namespace; files absent on the host stay absent;
  PID/net/{if_inet6,igmp}           also the interface names (for packet sockets)
  PID/net/sock_diag/{tcp,tcp6,udp,udp6,udplite,udplite6,unix}
                                    with --sock-diag: the raw netlink messages of each
                                    dump (host byte order), beside that namespace's text;
                                    a dump the kernel refuses is left out
  self -> PID                       relative symlink to this process
  sys/kernel/{hostname,osrelease,random/boot_id}, sys/net/ipv4/ip_local_port_range,
  sys/net/ipv6/bindv6only           (the namespace this script runs in)
  PID/sys/net/ipv6/bindv6only       per network namespace, under its reader pid: the default
                                    of IPV6_V6ONLY there (no such file in a live /proc: the
                                    sysctl shows the reader's own namespace, so other
                                    namespaces' values are read with nsenter, as root;
                                    left out where that fails)
  etc/passwd                        root, daemon, nobody and the uids of captured processes;
                                    password and GECOS fields blanked
  run/netns/NAME                    text "net:[INODE]" for each bind mount in /run/netns
                                    (the live collector stats the mount; a tree stores it)

Runtime metadata (--runtime-out), under the live paths, and only the fields sockaudit
reads (environment variables, mounts, commands and every other field are left out: they
may hold secrets):
  var/lib/docker/containers/ID/config.v2.json   every docker container: ID, Name,
                                    State.Running, Config.Image, Config.Labels io.kubernetes.*,
                                    NetworkSettings.Ports and the networks' addresses
  var/lib/docker/containers/ID/hostconfig.json  PortBindings
  run/containerd/io.containerd.runtime.v2.task/NS/ID/config.json, and CRI-O's and
  podman's {run,var/lib}/containers/storage/overlay-containers/ID/userdata/config.json
                                    for the ids in captured processes' cgroup paths:
                                    ociVersion and the io.kubernetes.* annotations
  {var/lib,run}/containers/storage/overlay-containers/containers.json
                                    those ids' entries: id, names, metadata's image-name and name
Files are read only when they are regular files of at most 1 MiB (16 MiB for containers.json).

The copy is not atomic: a process that exits mid-capture is left partial or out, and
reported on stderr. Exit status: 0 written, 2 usage error.
`;

const NET_FILES = [
  'tcp', 'tcp6', 'udp', 'udp6', 'udplite', 'udplite6', 'raw', 'raw6', 'icmp', 'icmp6',
  'unix', 'packet', 'netlink', 'sctp/eps', 'sctp/assocs',
  // interface index -> name, for packet sockets bound to one interface
  'if_inet6', 'igmp',
];
const PID_FILES = ['comm', 'stat', 'status', 'cmdline', 'cgroup'];
const SYS_FILES = [
  'sys/kernel/random/boot_id', 'sys/kernel/osrelease', 'sys/kernel/hostname',
  'sys/net/ipv4/ip_local_port_range', 'sys/net/ipv6/bindv6only',
];
/** The dumps --sock-diag records: file name, family, IP protocol (as src/inventory/socket-sources.ts). */
const SOCK_DIAG_DUMPS = [
  ['tcp', 4, 6], ['tcp6', 6, 6], ['udp', 4, 17], ['udp6', 6, 17],
  ['udplite', 4, 136], ['udplite6', 6, 136], ['unix', 'unix', 0],
];
const ALWAYS_USERS = new Set(['root', 'daemon', 'nobody']);

function parseArgs(argv) {
  const options = { out: null, pids: 'all', otherFds: 4, proc: '/proc', runtimeOut: null, runtimeFrom: '/', sockDiag: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--help' || arg === '-h') options.help = true;
    else if (arg === '--out') options.out = value();
    else if (arg === '--pids') options.pids = value();
    else if (arg === '--other-fds') options.otherFds = Number(value());
    else if (arg === '--proc') options.proc = value();
    else if (arg === '--runtime-out') options.runtimeOut = value();
    else if (arg === '--runtime-from') options.runtimeFrom = value();
    else if (arg === '--sock-diag') options.sockDiag = true;
    else throw new Error(`unknown argument ${arg}`);
  }
  if (options.help) return options;
  if (!options.out) throw new Error('--out DIR is required');
  if (!Number.isInteger(options.otherFds) || options.otherFds < 0) throw new Error('--other-fds takes a count');
  if (options.pids !== 'all' && !/^\d+(,\d+)*$/.test(options.pids)) {
    throw new Error('--pids takes "all" or a comma-separated list of pids');
  }
  return options;
}

/** Runs `fn`, returning undefined for the errors a racing or restricted /proc gives. */
function tolerant(fn) {
  try {
    return fn();
  } catch (error) {
    if (['ENOENT', 'ESRCH', 'EACCES', 'EPERM', 'EINVAL'].includes(error.code)) return undefined;
    throw error;
  }
}

function write(file, data) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
}

function link(file, target) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.symlinkSync(target, file);
}

function numericEntries(dir) {
  return (tolerant(() => fs.readdirSync(dir)) ?? [])
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
}

/** fd number -> link target, for the fds of `pid` that could be read. */
function readFds(proc, pid) {
  const dir = `${proc}/${pid}/fd`;
  const fds = numericEntries(dir);
  const targets = new Map();
  for (const fd of fds) {
    const target = tolerant(() => fs.readlinkSync(`${dir}/${fd}`));
    if (target !== undefined) targets.set(fd, target);
  }
  return targets;
}

function selectPids(proc, pidsOption, selfPid) {
  const wanted = pidsOption === 'all'
    ? numericEntries(proc).filter((pid) => [...readFds(proc, pid).values()].some((t) => t.startsWith('socket:[')))
    : pidsOption.split(',').map(Number);
  return [...new Set([1, selfPid, ...wanted])].sort((a, b) => a - b);
}

/** Copies one process; returns its network namespace link and effective uid (if readable). */
function capturePid(proc, out, pid, otherFds) {
  const src = `${proc}/${pid}`;
  const dst = `${out}/${pid}`;
  let copied = 0;
  for (const name of PID_FILES) {
    const data = tolerant(() => fs.readFileSync(`${src}/${name}`));
    if (data !== undefined) {
      write(`${dst}/${name}`, data);
      copied++;
    }
  }
  if (copied === 0) return undefined; // vanished before we got to it
  let kept = 0;
  for (const [fd, target] of readFds(proc, pid)) {
    if (!target.startsWith('socket:[') && kept++ >= otherFds) continue;
    link(`${dst}/fd/${fd}`, target);
  }
  const exe = tolerant(() => fs.readlinkSync(`${src}/exe`));
  if (exe !== undefined) link(`${dst}/exe`, exe);
  const netns = tolerant(() => fs.readlinkSync(`${src}/ns/net`));
  if (netns !== undefined) link(`${dst}/ns/net`, netns);
  const status = tolerant(() => fs.readFileSync(`${src}/status`, 'utf8')) ?? '';
  const uidLine = status.split('\n').find((line) => line.startsWith('Uid:'));
  const uid = uidLine === undefined ? undefined : Number(uidLine.split(/\s+/)[2]);
  return { netns, uid };
}

function captureNetFiles(proc, out, pid) {
  for (const name of NET_FILES) {
    const data = tolerant(() => fs.readFileSync(`${proc}/${pid}/net/${name}`));
    if (data !== undefined) write(`${out}/${pid}/net/${name}`, data);
  }
}

/** The compiled addon (native/build), loaded as src/native/native-addon.ts loads it. */
function loadAddon() {
  const file = fileURLToPath(new URL('../native/build/Release/sockaudit.node', import.meta.url));
  if (!fs.existsSync(file)) throw new Error(`--sock-diag needs the native addon: ${file} is missing (npm run build:native)`);
  const addon = { exports: {} };
  process.dlopen(addon, file);
  return addon.exports;
}

/** Records the raw sock_diag dumps of the namespace `pid` is in (`own`: this script's). */
async function captureSockDiag(addon, proc, out, pid, own) {
  const netnsPath = own ? null : `${proc}/${pid}/ns/net`;
  const requests = SOCK_DIAG_DUMPS.map(([, family, protocol]) => ({ netnsPath, family, protocol, raw: true }));
  const results = await addon.dumpSockets(requests);
  const refused = [];
  results.forEach((result, i) => {
    const name = SOCK_DIAG_DUMPS[i][0];
    if (result.records !== undefined) write(`${out}/${pid}/net/sock_diag/${name}`, result.records);
    else refused.push(`${name} ${result.code}`);
  });
  if (refused.length > 0) process.stderr.write(`capture-proc: sock_diag of pid ${pid}'s namespace: left out ${refused.join(', ')}\n`);
}

/**
 * net.ipv6.bindv6only of the namespace `pid` is in, as the file's text ("0\n"), or
 * undefined. The sysctl file shows the namespace of whoever reads it, so another
 * namespace's is read by `cat` run there through nsenter (arguments, never a shell).
 */
function readBindV6only(proc, pid, own) {
  const file = '/proc/sys/net/ipv6/bindv6only';
  if (own) return tolerant(() => fs.readFileSync(file, 'utf8'));
  try {
    const text = execFileSync('nsenter', [`--net=${proc}/${pid}/ns/net`, 'cat', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64, timeout: 5000 });
    return /^[01]\n?$/.test(text) ? text : undefined;
  } catch {
    return undefined; // not root, no nsenter, the pid gone, no IPv6: the tree leaves it unknown
  }
}

function sanitizedPasswd(uids) {
  const text = tolerant(() => fs.readFileSync('/etc/passwd', 'utf8')) ?? '';
  return text
    .split('\n')
    .map((line) => line.split(':'))
    .filter((f) => f.length >= 7 && (ALWAYS_USERS.has(f[0]) || uids.has(Number(f[2]))))
    .map((f) => [f[0], 'x', f[2], f[3], '', f[5], f[6]].join(':') + '\n')
    .join('');
}

function captureRunNetns(out) {
  const names = tolerant(() => fs.readdirSync('/run/netns')) ?? [];
  for (const name of names) {
    const stat = tolerant(() => fs.statSync(`/run/netns/${name}`, { bigint: true }));
    if (stat !== undefined) write(`${out}/run/netns/${name}`, `net:[${stat.ino}]\n`);
  }
  return names.length;
}

/** A regular file of at most `max` bytes, as text; undefined otherwise (never follows a final symlink, never blocks on a FIFO). */
function readRegular(file, max) {
  let fd;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile() || stat.size > max) return undefined;
    const buffer = Buffer.alloc(max + 1);
    let length = 0;
    for (let read; length < buffer.length && (read = fs.readSync(fd, buffer, length, buffer.length - length, null)) > 0; ) length += read;
    return length > max ? undefined : buffer.toString('utf8', 0, length);
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

function readJson(file, max = 1 << 20) {
  const text = readRegular(file, max);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
const kubernetesOnly = (map) => (isObject(map) ? Object.fromEntries(Object.entries(map).filter(([key, value]) => key.startsWith('io.kubernetes.') && typeof value === 'string')) : {});

/** The docker config.v2.json fields sockaudit reads (runtime-metadata.ts), nothing else. */
function dockerConfigSubset(config) {
  const networks = {};
  for (const [name, network] of Object.entries(isObject(config.NetworkSettings?.Networks) ? config.NetworkSettings.Networks : {})) {
    if (isObject(network)) networks[name] = { IPAddress: network.IPAddress, GlobalIPv6Address: network.GlobalIPv6Address };
  }
  return {
    ID: config.ID,
    Name: config.Name,
    State: { Running: config.State?.Running },
    Config: { Image: config.Config?.Image, Labels: kubernetesOnly(config.Config?.Labels) },
    NetworkSettings: { Ports: config.NetworkSettings?.Ports ?? null, Networks: networks },
  };
}

/** Writes the runtime metadata of the captured processes' containers (see HELP), as subsets. */
function captureRuntime(procOut, pids, runtimeOut, from) {
  const live = (relative) => path.join(from, relative);
  if (fs.existsSync(runtimeOut) && fs.readdirSync(runtimeOut).length > 0) throw new Error(`${runtimeOut} exists and is not empty`);
  fs.mkdirSync(runtimeOut, { recursive: true });
  const ids = new Set();
  for (const pid of pids) {
    const cgroup = tolerant(() => fs.readFileSync(`${procOut}/${pid}/cgroup`, 'utf8')) ?? '';
    for (const id of cgroup.match(/[0-9a-f]{64}/g) ?? []) ids.add(id);
  }
  let written = 0;
  const put = (relative, value) => {
    write(path.join(runtimeOut, relative), JSON.stringify(value, null, 2) + '\n');
    written++;
  };
  const docker = 'var/lib/docker/containers';
  for (const id of (tolerant(() => fs.readdirSync(live(`${docker}`))) ?? []).filter((name) => /^[0-9a-f]{64}$/.test(name)).slice(0, 4096)) {
    const config = readJson(live(`${docker}/${id}/config.v2.json`));
    if (isObject(config)) put(`${docker}/${id}/config.v2.json`, dockerConfigSubset(config));
    const host = readJson(live(`${docker}/${id}/hostconfig.json`));
    if (isObject(host)) put(`${docker}/${id}/hostconfig.json`, { PortBindings: host.PortBindings ?? null });
  }
  const ociSubset = (spec) => ({ ociVersion: spec.ociVersion, annotations: kubernetesOnly(spec.annotations) });
  for (const tasks of ['run/containerd/io.containerd.runtime.v2.task', 'run/containerd/io.containerd.runtime.v1.linux']) {
    for (const namespace of (tolerant(() => fs.readdirSync(live(`${tasks}`))) ?? []).slice(0, 4096)) {
      for (const id of ids) {
        const spec = readJson(live(`${tasks}/${namespace}/${id}/config.json`));
        if (isObject(spec)) put(`${tasks}/${namespace}/${id}/config.json`, ociSubset(spec));
      }
    }
  }
  for (const storage of ['run/containers/storage/overlay-containers', 'var/lib/containers/storage/overlay-containers']) {
    for (const id of ids) {
      const spec = readJson(live(`${storage}/${id}/userdata/config.json`));
      if (isObject(spec)) put(`${storage}/${id}/userdata/config.json`, ociSubset(spec));
    }
    const list = readJson(live(`${storage}/containers.json`), 16 << 20);
    if (Array.isArray(list)) {
      const kept = list
        .filter((entry) => isObject(entry) && ids.has(entry.id))
        .map((entry) => {
          let metadata = {};
          try {
            const parsed = JSON.parse(typeof entry.metadata === 'string' ? entry.metadata : '{}');
            if (isObject(parsed)) metadata = { 'image-name': parsed['image-name'], name: parsed.name };
          } catch {
            metadata = {};
          }
          return { id: entry.id, names: Array.isArray(entry.names) ? entry.names : [], metadata: JSON.stringify(metadata) };
        });
      if (kept.length > 0) put(`${storage}/containers.json`, kept);
    }
  }
  process.stderr.write(`captured ${written} runtime metadata files for ${ids.size} container ids into ${runtimeOut}\n`);
}

async function capture(options) {
  const { out, proc } = options;
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0) throw new Error(`${out} exists and is not empty`);
  fs.mkdirSync(out, { recursive: true });
  const selfPid = process.pid;
  const addon = options.sockDiag ? loadAddon() : null;
  const ownNetns = tolerant(() => fs.readlinkSync(`${proc}/self/ns/net`));
  const pids = selectPids(proc, options.pids, selfPid);
  const readerByNetns = new Map();
  const uids = new Set();
  const vanished = [];
  for (const pid of pids) {
    const result = capturePid(proc, out, pid, options.otherFds);
    if (result === undefined) {
      vanished.push(pid);
      continue;
    }
    if (result.uid !== undefined) uids.add(result.uid);
    // pids ascend, so the first pid seen in a namespace is its lowest: read net/* once there
    if (result.netns !== undefined && !readerByNetns.has(result.netns)) {
      readerByNetns.set(result.netns, pid);
      captureNetFiles(proc, out, pid);
      if (addon !== null) await captureSockDiag(addon, proc, out, pid, result.netns === ownNetns);
    }
  }
  if (!fs.existsSync(`${out}/${selfPid}`)) throw new Error('could not copy this process itself');
  for (const [netns, pid] of readerByNetns) {
    const value = readBindV6only(proc, pid, netns === ownNetns);
    if (value !== undefined) write(`${out}/${pid}/sys/net/ipv6/bindv6only`, value);
  }
  link(`${out}/self`, String(selfPid));
  for (const name of SYS_FILES) {
    const data = tolerant(() => fs.readFileSync(`${proc}/${name}`));
    if (data !== undefined) write(`${out}/${name}`, data);
  }
  write(`${out}/etc/passwd`, sanitizedPasswd(uids));
  const boundNetns = captureRunNetns(out);
  if (options.runtimeOut !== null) captureRuntime(out, pids, options.runtimeOut, options.runtimeFrom);
  process.stderr.write(
    `captured ${pids.length - vanished.length} processes, ${readerByNetns.size} network namespaces` +
      ` (${[...readerByNetns].map(([ns, pid]) => `${ns} via ${pid}`).join(', ')}),` +
      ` ${boundNetns} /run/netns names into ${out}` +
      (vanished.length > 0 ? `; vanished: ${vanished.join(',')}` : '') +
      '\n',
  );
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`capture-proc: ${error.message}\n(see --help)\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(HELP);
    return 0;
  }
  try {
    await capture(options);
  } catch (error) {
    process.stderr.write(`capture-proc: ${error.message}\n`);
    return 2;
  }
  return 0;
}

process.exitCode = await main();

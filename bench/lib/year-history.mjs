/*
 * year-history.mjs - a synthetic year of 5-minute snapshots of a busy host, step by step
 * (issue 13): what each snapshot opens and closes, never the whole socket list, so that a
 * year (105,120 snapshots) is generated in seconds.
 *
 *   for (const step of yearHistory({ snapshots: 1000 })) ...
 *   // step 0: { meta, opened: SocketRecord[] (10,000), closed: [] }
 *   // step n: { meta, opened: [...], closed: [inode, ...] }  (inodes are unique: the key)
 *
 * The host (default 10,000 sockets, one boot all year):
 * - static: sshd, systemd, dbus, journald, resolved (unix, netlink, listeners) that never change;
 * - nginx: a master and 8 workers sharing the :80 and :443 listeners (one socket, nine owners),
 *   5,000 client connections on :443 of which `clientsPerSnapshot` are replaced every snapshot
 *   (a closed client and a new one from another address and port);
 * - app (restarted once a day): its :8080 listener, a unix socket, and pool connections to
 *   postgres on 127.0.0.1:5432 (both ends), all with new inodes and a new pid;
 * - api (deployed once a week): its :9000 listener, unix sockets and a larger
 *   pool to postgres, both ends, replaced the same way.
 * Timestamps are 5 minutes apart and end now (so that `prune --older-than 90d` means what
 * it says); a seeded generator makes every run the same history for the same options.
 */

const FIVE_MINUTES = 5 * 60 * 1000;
const PER_DAY = 288;
const PER_WEEK = 7 * PER_DAY;
const NETNS = 4026531840;

/** mulberry32: a small seeded generator; the same seed gives the same year. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const owner = (pid, fd, comm, exe, cmdline, uid = 0, user = 'root') => ({ pid, fd, comm, exe, cmdline, uid, user });

function inet(inode, fields) {
  return {
    netns: NETNS, netnsName: 'host', family: 'tcp', ipVersion: 4, type: null, protocol: null, state: 'ESTABLISHED',
    localAddress: '10.0.0.5', localPort: 0, remoteAddress: '0.0.0.0', remotePort: 0, path: null, interface: null,
    inode, uid: 0, recvQueue: 0, sendQueue: 0, owners: [], exposure: 'specific', ...fields,
  };
}

function unix(inode, fields) {
  return {
    netns: NETNS, netnsName: 'host', family: 'unix', ipVersion: null, type: 'stream', protocol: null, state: 'ESTABLISHED',
    localAddress: null, localPort: null, remoteAddress: null, remotePort: null, path: null, interface: null,
    inode, uid: 0, recvQueue: 0, sendQueue: 0, owners: [], exposure: null, ...fields,
  };
}

export const YEAR_SNAPSHOTS = 365 * PER_DAY; // 105,120

/**
 * @param {object} options
 * @param {number} [options.snapshots] how many snapshots (default a year: 105,120)
 * @param {number} [options.sockets] sockets per snapshot (default 10,000)
 * @param {number} [options.clientsPerSnapshot] nginx clients replaced per snapshot (default 4)
 * @param {number} [options.appConnections] app's pool connections, restarted daily (default 40)
 * @param {number} [options.apiConnections] api's pool connections, deployed weekly (default 300)
 * @param {number} [options.endMs] time of the last snapshot (default now)
 * @param {number} [options.seed]
 */
export function* yearHistory(options = {}) {
  const snapshots = options.snapshots ?? YEAR_SNAPSHOTS;
  const total = options.sockets ?? 10_000;
  const clientsPerSnapshot = options.clientsPerSnapshot ?? 4;
  const appConnections = options.appConnections ?? 40;
  const apiConnections = options.apiConnections ?? 300;
  const endMs = Math.floor((options.endMs ?? Date.now()) / FIVE_MINUTES) * FIVE_MINUTES;
  const startMs = endMs - (snapshots - 1) * FIVE_MINUTES;
  const next = random(options.seed ?? 13);
  let nextInode = 100_000;
  let nextPid = 5000;
  const inode = () => nextInode++;

  const nginxMaster = owner(900, 6, 'nginx', '/usr/sbin/nginx', 'nginx: master process /usr/sbin/nginx -g daemon on;');
  const workers = Array.from({ length: 8 }, (_, i) => owner(901 + i, 6, 'nginx', '/usr/sbin/nginx', 'nginx: worker process', 33, 'www-data'));
  const postgres = owner(700, 5, 'postgres', '/usr/lib/postgresql/15/bin/postgres', '/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main', 113, 'postgres');

  // --- static sockets ---------------------------------------------------------------------
  const fixed = [
    inet(inode(), { state: 'LISTEN', localAddress: '0.0.0.0', localPort: 22, exposure: 'wildcard', owners: [owner(600, 3, 'sshd', '/usr/sbin/sshd', 'sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups')] }),
    inet(inode(), { ipVersion: 6, state: 'LISTEN', localAddress: '::', localPort: 22, remoteAddress: '::', exposure: 'wildcard', owners: [owner(600, 4, 'sshd', '/usr/sbin/sshd', 'sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups')] }),
    inet(inode(), { state: 'LISTEN', localAddress: '0.0.0.0', localPort: 80, exposure: 'wildcard', owners: [nginxMaster, ...workers].map((o) => ({ ...o, fd: 6 })) }),
    inet(inode(), { state: 'LISTEN', localAddress: '0.0.0.0', localPort: 443, exposure: 'wildcard', owners: [nginxMaster, ...workers].map((o) => ({ ...o, fd: 7 })) }),
    inet(inode(), { state: 'LISTEN', localAddress: '127.0.0.1', localPort: 5432, exposure: 'loopback', uid: 113, owners: [postgres] }),
    inet(inode(), { family: 'udp', state: 'UNCONN', localAddress: '127.0.0.53', localPort: 53, exposure: 'loopback', uid: 101, owners: [owner(500, 12, 'systemd-resolve', '/usr/lib/systemd/systemd-resolved', '/usr/lib/systemd/systemd-resolved', 101, 'systemd-resolve')] }),
  ];
  const systemd = owner(1, 0, 'systemd', '/usr/lib/systemd/systemd', '/sbin/init');
  const journald = owner(300, 0, 'systemd-journal', '/usr/lib/systemd/systemd-journald', '/usr/lib/systemd/systemd-journald');
  const dbus = owner(400, 0, 'dbus-daemon', '/usr/bin/dbus-daemon', '@dbus-daemon --system --address=systemd: --nofork --nopidfile --systemd-activation --syslog-only', 102, 'messagebus');
  for (let i = 0; i < 100; i++) fixed.push({ ...unix(0, {}), family: 'netlink', type: null, protocol: [0, 9, 15][i % 3], state: 'UNCONN', localPort: 1000 + i, inode: inode(), owners: [{ ...systemd, fd: 100 + i }] });

  // --- nginx clients ------------------------------------------------------------------------
  const clientCount = Math.max(0, Math.min(5000, total - 400 - fixed.length - 2 * appConnections - 2 * apiConnections - 30));
  const client = () =>
    inet(inode(), {
      localPort: 443,
      remoteAddress: `203.0.${Math.floor(next() * 256)}.${Math.floor(next() * 256)}`,
      remotePort: 32768 + Math.floor(next() * 28000),
      uid: 33,
      owners: [{ ...workers[Math.floor(next() * workers.length)], fd: 20 + Math.floor(next() * 60000) }],
    });
  const clients = Array.from({ length: clientCount }, client);

  // --- services that restart: app daily, api weekly -------------------------------------------
  function service(name, port, connections, unixSockets) {
    const pid = nextPid++;
    const self = owner(pid, 3, name, `/srv/${name}/bin/${name}`, `/srv/${name}/bin/${name} --config /etc/${name}/${name}.toml`, 1001, name);
    const backend = owner(nextPid++, 9, 'postgres', postgres.exe, `postgres: ${name} ${name} 127.0.0.1 idle`, 113, 'postgres');
    const sockets = [inet(inode(), { state: 'LISTEN', localAddress: '0.0.0.0', localPort: port, exposure: 'wildcard', uid: 1001, owners: [self] })];
    for (let i = 0; i < unixSockets; i++) sockets.push(unix(inode(), { path: i === 0 ? `/run/${name}/${name}.sock` : null, state: i === 0 ? 'LISTEN' : 'ESTABLISHED', uid: 1001, owners: [{ ...self, fd: 4 + i }] }));
    for (let i = 0; i < connections; i++) {
      const ephemeral = 40000 + Math.floor(next() * 20000);
      sockets.push(inet(inode(), { localAddress: '127.0.0.1', localPort: ephemeral, remoteAddress: '127.0.0.1', remotePort: 5432, exposure: 'loopback', uid: 1001, owners: [{ ...self, fd: 100 + i }] }));
      sockets.push(inet(inode(), { localAddress: '127.0.0.1', localPort: 5432, remoteAddress: '127.0.0.1', remotePort: ephemeral, exposure: 'loopback', uid: 113, owners: [{ ...backend, fd: 10 + i }] }));
    }
    return sockets;
  }
  let app = service('app', 8080, appConnections, 5);
  let api = service('api', 9000, apiConnections, 20);

  // --- fill the rest with static unix connections (journald, dbus, systemd) ---------------------
  const filler = [];
  const fillerOwners = [systemd, journald, dbus];
  while (fixed.length + filler.length + clients.length + app.length + api.length < total) {
    const o = fillerOwners[filler.length % 3];
    filler.push(unix(inode(), { path: filler.length % 50 === 0 ? `/run/systemd/journal/stdout-${filler.length}` : null, owners: [{ ...o, fd: 10 + filler.length }] }));
  }

  const meta = (step) => ({
    host: 'year-host',
    takenAt: new Date(startMs + step * FIVE_MINUTES).toISOString(),
    bootId: '6f1c7a52-0b7e-4a56-9d3e-2d8f0c1e4b11',
    kernel: '6.1.0-28-amd64',
    procRoot: '/proc',
    toolVersion: '0.1.0',
    durationMs: Math.round((250 + next() * 150) * 1000) / 1000,
    namespaces: [{ inode: NETNS, name: 'host', readerPid: 1, readable: true }],
    ephemeralPorts: [32768, 60999],
  });

  yield { meta: meta(0), opened: [...fixed, ...filler, ...clients, ...app, ...api], closed: [] };
  for (let step = 1; step < snapshots; step++) {
    const opened = [];
    const closed = [];
    // distinct clients: a step closes only sockets that were open before it
    const replaced = new Set();
    for (let i = 0; i < Math.min(clientsPerSnapshot, clients.length); i++) {
      let at = Math.floor(next() * clients.length);
      while (replaced.has(at)) at = (at + 1) % clients.length;
      replaced.add(at);
      closed.push(clients[at].inode);
      clients[at] = client();
      opened.push(clients[at]);
    }
    if (step % PER_DAY === 36) {
      // once a day: the app service restarts
      for (const socket of app) closed.push(socket.inode);
      app = service('app', 8080, appConnections, 5);
      opened.push(...app);
    }
    if (step % PER_WEEK === PER_DAY + 120) {
      // once a week: the api is deployed
      for (const socket of api) closed.push(socket.inode);
      api = service('api', 9000, apiConnections, 20);
      opened.push(...api);
    }
    yield { meta: meta(step), opened, closed };
  }
}

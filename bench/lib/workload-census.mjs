/*
 * workload-census.mjs - does an inventory (sockaudit collect --json) hold every socket a
 * sockload workload opened? Counts the sockets owned by the workload's pids, per kind, against
 * sockload's expected counts. Pure: data in, data out.
 *
 *   censusOfWorkload(inventory, plan)
 *   // { hostTotal: 52110, ownedTotal: 50212, expectedTotal: 50000,
 *   //   kinds: [{ kind: 'tcp4 LISTEN', expected: 750, found: 750 }, ...], short: [] }
 *
 * "found >= expected" is the check: node itself holds a few more unix sockets (its IPC pipes)
 * in the same processes, so the workload's pids own slightly more sockets than it planned.
 */

export function censusOfWorkload(inventory, plan) {
  const pids = new Set([plan.coordinatorPid, ...plan.workerPids]);
  const found = new Map();
  let ownedTotal = 0;
  for (const socket of inventory.sockets) {
    if (!socket.owners.some((owner) => pids.has(owner.pid))) continue;
    ownedTotal += 1;
    const kind = kindOf(socket);
    if (kind) found.set(kind, (found.get(kind) ?? 0) + 1);
  }
  const expected = plan.expected;
  const kinds = [
    ['tcp4 LISTEN', expected.tcp4.listen],
    ['tcp4 ESTABLISHED', expected.tcp4.established],
    ['tcp6 LISTEN', expected.tcp6.listen],
    ['tcp6 ESTABLISHED', expected.tcp6.established],
    ['udp4', expected.udp4.bound + expected.udp4.connected],
    ['udp6', expected.udp6.bound + expected.udp6.connected],
    ['unix stream LISTEN', expected.unix_stream.listen],
    ['unix stream CONNECTED', expected.unix_stream.connected],
  ].map(([kind, count]) => ({ kind, expected: count, found: found.get(kind) ?? 0 }));
  const short = kinds.filter((entry) => entry.found < entry.expected);
  if (ownedTotal < expected.total) short.push({ kind: 'total', expected: expected.total, found: ownedTotal });
  return { hostTotal: inventory.sockets.length, ownedTotal, expectedTotal: expected.total, kinds, short };
}

function kindOf(socket) {
  if (socket.family === 'tcp' && (socket.state === 'LISTEN' || socket.state === 'ESTABLISHED')) {
    return `tcp${socket.ipVersion} ${socket.state}`;
  }
  if (socket.family === 'udp') return `udp${socket.ipVersion}`;
  if (socket.family === 'unix' && socket.type === 'stream' && (socket.state === 'LISTEN' || socket.state === 'CONNECTED')) {
    return `unix stream ${socket.state}`;
  }
  return null;
}

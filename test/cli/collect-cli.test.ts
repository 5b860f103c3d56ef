/** The built CLI, run as a user would: `dist/bin/sockaudit.cjs collect ...`. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectInventory } from '../../src/inventory/collect.js';
import { memoryIo } from '../../src/io.js';
import { writeInventoryJson } from '../../src/render/inventory-json.js';
import { CLI, IS_ROOT, makeTempDir, REPO_ROOT, runCli } from '../helpers/live.js';

const RECORD_FIELDS = [
  'netns', 'netnsName', 'family', 'ipVersion', 'type', 'protocol', 'state', 'localAddress', 'localPort',
  'remoteAddress', 'remotePort', 'path', 'interface', 'inode', 'uid', 'recvQueue', 'sendQueue', 'owners', 'exposure',
  'v6only', 'v6onlySource', 'container', 'publishedTo', 'backlog', 'peerInode',
].sort();
const OWNER_FIELDS = ['pid', 'fd', 'comm', 'exe', 'cmdline', 'uid', 'user'].sort();
const EDGE = path.join(REPO_ROOT, 'fixtures/proc/edge-cases');

describe('sockaudit collect (built CLI)', () => {
  it('prints JSON matching the socket record contract', () => {
    const { status, stdout } = runCli(['collect', '--json']);
    expect(status).toBe(0);
    const inventory = JSON.parse(stdout) as { meta: Record<string, unknown>; sockets: Record<string, unknown>[]; warnings: unknown[] };
    expect(Object.keys(inventory).sort()).toEqual(['meta', 'sockets', 'warnings']);
    expect(inventory.sockets.length).toBeGreaterThan(0);
    for (const socket of inventory.sockets) {
      // a unix socket with a peer also names the peer's owners (peerOwners), and no other does
      expect(Object.keys(socket).filter((key) => key !== 'peerOwners').sort()).toEqual(RECORD_FIELDS);
      expect('peerOwners' in socket).toBe(socket.peerInode !== null);
      expect(typeof socket.netns).toBe('number');
      expect([4, 6, null]).toContain(socket.ipVersion);
      for (const owner of socket.owners as Record<string, unknown>[]) expect(Object.keys(owner).sort()).toEqual(OWNER_FIELDS);
    }
    expect(inventory.meta).toMatchObject({ host: expect.any(String), takenAt: expect.any(String), procRoot: '/proc' });
  });

  it('prints an aligned table with a header by default', () => {
    const { status, stdout } = runCli(['collect', '--proc-root', EDGE, '--family', 'tcp']);
    expect(status).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^(Netns\s+)?Netid\s+State\s+Recv-Q\s+Send-Q\s+Local\s+Peer\s+Process$/);
    const stateColumn = lines[0]!.indexOf('State');
    for (const line of lines.slice(1)) expect(line.slice(stateColumn - 1, stateColumn)).toBe(' ');
    expect(lines.slice(1).every((line) => line.includes('tcp'))).toBe(true);
  });

  it('applies filters', () => {
    const { stdout } = runCli(['collect', '--proc-root', EDGE, '--json', '--listening', '--family', 'tcp4']);
    const sockets = (JSON.parse(stdout) as { sockets: { family: string; ipVersion: number; state: string }[] }).sockets;
    expect(sockets.length).toBeGreaterThan(0);
    expect(sockets.every((socket) => socket.family === 'tcp' && socket.ipVersion === 4 && socket.state === 'LISTEN')).toBe(true);
  });

  it.each([
    [['collect', '--bogus'], /unknown option '--bogus'/],
    [['collect', '--proc-root', '/nonexistent'], /cannot read proc root \/nonexistent: no such directory/],
    [['collect', '--family', 'tcp,bogus'], /unknown family "bogus"/],
    [['collect', '--port', '70000'], /--port expects a whole number from 0 to 65535/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('%j fails with one line on stderr and exit 2', (args, message) => {
    const { status, stdout, stderr } = runCli(args);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\bat .*\.c?js:\d+/); // no stack trace
  });

  it('prints a stack trace for an error only with --debug', () => {
    const { status, stderr } = runCli(['collect', '--proc-root', '/nonexistent', '--debug']);
    expect(status).toBe(2);
    expect(stderr).toMatch(/InputError: cannot read proc root/);
    expect(stderr).toMatch(/\bat .*collect[-\w]*\.c?js:\d+/);
  });

  it('shows help with examples and exits 0', () => {
    const { status, stdout } = runCli(['collect', '--help']);
    expect(status).toBe(0);
    expect(stdout).toMatch(/Examples:/);
    expect(stdout).toMatch(/--proc-root/);
  });

  it.skipIf(!IS_ROOT)('run as an unprivileged user, still lists the sockets and says what it could not see (needs root to switch user)', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      type Listed = { sockets: { inode: number; netns: number; localPort: number | null; owners: unknown[] }[]; warnings: { code: string; count: number }[] };
      const before = JSON.parse(runCli(['collect', '--json']).stdout) as Listed;
      const nobody = runCli(['collect', '--json'], { uid: 65534, gid: 65534 });
      const after = JSON.parse(runCli(['collect', '--json']).stdout) as Listed;
      expect(nobody.status).toBe(0);
      const inventory = JSON.parse(nobody.stdout) as Listed;
      // every socket of our namespace that root saw before and after, nobody saw too
      const ownNetns = Number(/net:\[(\d+)\]/.exec(fs.readlinkSync('/proc/self/ns/net'))![1]);
      const afterInodes = new Set(after.sockets.map((socket) => socket.inode));
      const stable = before.sockets.filter((socket) => socket.netns === ownNetns && socket.inode !== 0 && afterInodes.has(socket.inode));
      const seen = new Set(inventory.sockets.map((socket) => socket.inode));
      expect(stable.length).toBeGreaterThan(0);
      expect(stable.filter((socket) => !seen.has(socket.inode))).toEqual([]);
      // this root-owned listener is listed, without the owner nobody may not see
      const port = (server.address() as net.AddressInfo).port;
      expect(inventory.sockets.find((socket) => socket.localPort === port)?.owners).toEqual([]);
      const denied = inventory.warnings.find((warning) => warning.code === 'permission-denied');
      expect(denied?.count).toBeGreaterThan(0);
    } finally {
      server.close();
    }
  });

  it('writes the same JSON to a file, to /dev/null and to a pipe (a file and /dev/null are written to directly), and JSON.stringify\'s', async () => {
    const tree = path.join(REPO_ROOT, 'fixtures/proc/sockload-1k');
    const args = [CLI, 'collect', '--json', '--proc-root', tree];
    const timeless = (text: string) => {
      const parsed = JSON.parse(text) as { meta: Record<string, unknown> };
      delete parsed.meta.takenAt;
      delete parsed.meta.durationMs;
      return parsed;
    };
    const piped = runCli(args.slice(1));
    expect(piped.status, piped.stderr).toBe(0);
    const dir = makeTempDir('sockaudit-stdout-');
    try {
      const file = path.join(dir, 'out.json');
      const fd = fs.openSync(file, 'w');
      const toFile = spawnSync(process.execPath, args, { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
      fs.closeSync(fd);
      expect(toFile.status, toFile.stderr).toBe(0);
      const written = fs.readFileSync(file, 'utf8');
      expect(written.length).toBeGreaterThan(4 * 100_000); // two chunks of assembled tokens, not one write
      expect(written.endsWith('}\n')).toBe(true);
      expect(timeless(written)).toEqual(timeless(piped.stdout));
      // the bin assembles the sockets' JSON from tokens (src/render/json-tokens.ts): as JSON.stringify writes it
      const reference = memoryIo();
      await writeInventoryJson(await collectInventory({ procRoot: tree }), reference, { assembler: null });
      expect(timeless(written)).toEqual(timeless(reference.out));
      const devNull = fs.openSync('/dev/null', 'w');
      const toNull = spawnSync(process.execPath, args, { stdio: ['ignore', devNull, 'pipe'], encoding: 'utf8' });
      fs.closeSync(devNull);
      expect(toNull.status, toNull.stderr).toBe(0);
      expect(toNull.stderr).toBe('');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs through its shebang without reading NODE_EXTRA_CA_CERTS (Node would load the bundle at start-up)', () => {
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: '/nonexistent/ca-bundle.crt' };
    // node itself warns about the bundle it tried to load...
    const plainNode = spawnSync(process.execPath, ['-e', '0'], { encoding: 'utf8', env });
    expect(plainNode.stderr).toContain('extra certs');
    // ...the bin, run as installed (its shebang), never tries
    const bin = spawnSync(CLI, ['collect', '--json', '--proc-root', EDGE], { encoding: 'utf8', env });
    expect(bin.status).toBe(0);
    expect(bin.stderr).not.toContain('extra certs');
    expect(JSON.parse(bin.stdout).sockets.length).toBeGreaterThan(0);
  });
});

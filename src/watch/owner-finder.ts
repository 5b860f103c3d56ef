import fs from 'node:fs';
import { readProcessDetails, type CmdlineRenderer } from '../inventory/process-details.js';
import type { Inventory, SocketOwner, SocketRecord } from '../model/socket-record.js';
import type { ProcFs } from '../proc/proc-fs.js';

/**
 * Finds the owners of sockets `watch` has just seen appear, without reading every fd of
 * every process each time (a full scan reads one link per open fd on the host: ~20 ms at
 * 10,000 sockets, too much for every poll, and most polls find nothing new anyway).
 *
 * The design, in three steps, cheapest first:
 * 1. A cache, inode -> owners, filled from the last full snapshot's inventory (listening
 *    and bound sockets only: the only ones a poll can report) and from earlier look-ups,
 *    and emptied of sockets that closed. A socket seen by the snapshot costs nothing.
 * 2. Otherwise the sockets are looked for in the processes most likely to hold them,
 *    with the same fd scan the collector uses (native/fd-scan.c), but over those pids
 *    alone: processes that did not exist at the last look (a new daemon, a backdoor just
 *    started) and processes whose fd table changed size since (one stat of /proc/PID/fd
 *    each: on Linux 6.2 and later its st_size is the number of open fds; on older kernels
 *    it is 0 for all, and this step finds nothing).
 * 3. Sockets still not found are looked for in every other process: a process that
 *    closed one fd and opened a socket keeps its fd count. As costly as a full scan, so at
 *    most once per FULL_SCAN_GAP_MS: under churn most sockets not found in step 2 belong
 *    to processes that already exited, and a full scan per poll would cost more than all
 *    the rest of watch. A socket skipped that way is reported without owner.
 * A socket whose owner exited (or passed it on) before the look-up is left without owners.
 */
/** The least time between two look-ups in every process (step 3): each is a full fd scan, some 16 ms at 10,000 sockets by the collect figures (0.08 s at 50,000), against well under 1 ms for a poll. */
const FULL_SCAN_GAP_MS = 5_000;

export class OwnerFinder {
  private lastFullScan = 0;
  private readonly ownersByInode = new Map<number, SocketOwner[]>();
  /** pid -> its fd count when last looked at (-1: unknown). */
  private fdCounts = new Map<number, number>();

  constructor(
    private readonly proc: ProcFs,
    private users: ReadonlyMap<number, string> | null,
    /** owners' command lines as the --cmdline policy says (redacted before anything sees them). */
    private readonly renderCmdline: CmdlineRenderer,
  ) {}

  /** After a full snapshot: its owners, and every pid of the host as "already looked at". */
  resetFrom(inventory: Inventory, pids: readonly number[], users: ReadonlyMap<number, string> | null, isPolled: (socket: SocketRecord) => boolean): void {
    this.users = users;
    this.ownersByInode.clear();
    for (const socket of inventory.sockets) {
      if (socket.owners.length > 0 && socket.inode !== 0 && isPolled(socket)) this.ownersByInode.set(socket.inode, socket.owners);
    }
    this.fdCounts = new Map(pids.map((pid) => [pid, this.fdCount(pid)]));
  }

  /** Owners of these socket inodes, looked up as described above; an inode not found maps to []. */
  async find(inodes: readonly number[], pids: readonly number[]): Promise<Map<number, SocketOwner[]>> {
    const found = new Map<number, SocketOwner[]>();
    const wanted = new Set<number>();
    for (const inode of inodes) {
      const cached = this.ownersByInode.get(inode);
      if (cached !== undefined) found.set(inode, cached);
      else wanted.add(inode);
    }
    if (wanted.size === 0) return found;
    const likely: number[] = [];
    const rest: number[] = [];
    const counts = new Map<number, number>();
    for (const pid of pids) {
      const count = this.fdCount(pid);
      counts.set(pid, count);
      const before = this.fdCounts.get(pid);
      (before === undefined || before !== count ? likely : rest).push(pid);
    }
    await this.scan(likely, wanted, found);
    if (wanted.size > 0 && Date.now() - this.lastFullScan >= FULL_SCAN_GAP_MS) {
      this.lastFullScan = Date.now();
      await this.scan(rest, wanted, found);
    }
    this.fdCounts = counts; // pids gone since are dropped with the old map: memory stays flat
    for (const inode of wanted) found.set(inode, []);
    return found;
  }

  /**
   * Forgets a socket that closed, and its owners' fd counts: a process that closes a socket
   * and opens another keeps its count, so without this a listener reopened by the same
   * process (a restart in place, a port tried and dropped) would be missed by step 2.
   */
  forget(inode: number): void {
    for (const owner of this.ownersByInode.get(inode) ?? []) this.fdCounts.delete(owner.pid);
    this.ownersByInode.delete(inode);
  }

  get cachedCount(): number {
    return this.ownersByInode.size;
  }

  /** The socket inodes and pids this finder holds anything of (for the test that it stays bounded). */
  retained(): { inodes: number[]; pids: number[] } {
    const pids = new Set(this.fdCounts.keys());
    for (const owners of this.ownersByInode.values()) for (const owner of owners) pids.add(owner.pid);
    return { inodes: [...this.ownersByInode.keys()], pids: [...pids] };
  }

  private async scan(pids: readonly number[], wanted: Set<number>, found: Map<number, SocketOwner[]>): Promise<void> {
    if (pids.length === 0) return;
    const job = this.proc.startSocketFdScan(pids, 0);
    job.help();
    const scan = await job.result();
    const byInode = new Map<number, { pid: number; fd: number }[]>();
    for (let i = 0; i < scan.inodes.length; i++) {
      const inode = scan.inodes[i]!;
      if (!wanted.has(inode)) continue;
      const list = byInode.get(inode);
      const entry = { pid: scan.pids[i]!, fd: scan.fds[i]! };
      if (list === undefined) byInode.set(inode, [entry]);
      else list.push(entry);
    }
    const details = new Map<number, ReturnType<typeof readProcessDetails> | null>();
    for (const [inode, holders] of byInode) {
      const owners: SocketOwner[] = [];
      for (const { pid, fd } of holders.sort((a, b) => a.pid - b.pid || a.fd - b.fd)) {
        if (!details.has(pid)) {
          try {
            details.set(pid, readProcessDetails(this.proc, pid, this.users, this.renderCmdline));
          } catch {
            details.set(pid, null); // exited since the scan: the fd is still its, the details are gone
          }
        }
        const process = details.get(pid);
        owners.push({ pid, fd, comm: process?.comm ?? null, exe: process?.exe ?? null, cmdline: process?.cmdline ?? null, uid: process?.uid ?? null, user: process?.user ?? null });
      }
      wanted.delete(inode);
      found.set(inode, owners);
      this.ownersByInode.set(inode, owners);
    }
  }

  private fdCount(pid: number): number {
    try {
      return fs.statSync(`${this.proc.root.replace(/\/$/, '')}/${pid}/fd`).size;
    } catch {
      return -1;
    }
  }
}

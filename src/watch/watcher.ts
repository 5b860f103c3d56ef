import { collectInventory } from '../inventory/collect.js';
import { readHostContext } from '../inventory/host-context.js';
import { exposureOf } from '../inventory/exposure.js';
import { isListening } from '../inventory/listening.js';
import type { Inventory, SocketRecord } from '../model/socket-record.js';
import type { DestroyEventsSource, DestroyEventsSubscription } from '../native/destroy-events.js';
import { inetDiagCookie } from '../proc/inet-diag-cookie.js';
import { INET_DIAG_MSG_SIZE, parseInetDiagRecords } from '../proc/parse-inet-diag.js';
import type { ProcFs } from '../proc/proc-fs.js';
import type { Store } from '../store/open-store.js';
import { insertWatchEvents } from '../store/watch-events.js';
import { writeSnapshot } from '../store/write-snapshot.js';
import { cmdlineRenderer, type CmdlinePolicy } from '../store/cmdline-policy.js';
import { OwnerFinder } from './owner-finder.js';
import { pollBoundSockets, type FilteredDumper, type PolledSocket } from './poll-bound-sockets.js';
import type { WatchEvent } from './watch-event.js';
import { collectHeap, HEAP_COLLECT_EVERY_MS, releaseSnapshotHeap } from './release-heap.js';
import { readNamespaceView, type WatchedNamespace } from './watched-namespaces.js';

export interface WatcherOptions {
  proc: ProcFs;
  host: string;
  store: Store;
  intervalMs: number;
  snapshotEveryMs: number;
  cmdline: CmdlinePolicy;
  dumper: FilteredDumper;
  /** null: no destroy events (no addon): polls alone. */
  destroyEvents: DestroyEventsSource | null;
  /** the kernel-side queue of destroy events per namespace, in bytes (default: the addon's 4 MB). */
  eventQueueBytes?: number;
  /** every event, as it is seen. */
  onEvent(event: WatchEvent): void;
  /** sockets that a poll found new, with their owners (for the live policy). */
  onOpened?(sockets: readonly SocketRecord[], meta: Inventory['meta'] | null): void;
  /** a line for stderr: what went wrong and what watch does about it. */
  onNotice(text: string): void;
  /** after the first poll: from now on, every change is reported. */
  onReady?(namespaces: number, sockets: number): void;
  /** how many events to hold while the database is locked before dropping (counted). */
  maxBufferedEvents?: number;
}

/** Polled sockets: listeners and bound datagram, raw and packet sockets. */
function isPolledKind(socket: SocketRecord): boolean {
  return isListening(socket) || ((socket.family === 'raw' || socket.family === 'icmp' || socket.family === 'packet') && socket.remoteAddress === null);
}

/** A connection as the destroy event and the snapshot both describe it. */
function connectionKey(netns: number, socket: SocketRecord): string {
  return `${netns}|${socket.family}${socket.ipVersion}|${socket.localAddress}|${socket.localPort}|${socket.remoteAddress}|${socket.remotePort}`;
}

/**
 * `sockaudit watch` as a loop: every interval, one poll of the listening and bound
 * sockets of every namespace (poll-bound-sockets.ts); owners looked up for new sockets
 * only (owner-finder.ts); destroy events from the kernel in between (native
 * sock-destroy.c); a full snapshot every `snapshotEveryMs` into the same store. Events
 * are buffered and written once per interval; while the database is locked they stay in
 * memory (up to maxBufferedEvents, then dropped and counted) and are written when it frees.
 */
export class Watcher {
  /** the sockets the last poll saw, updated in place (see pollBoundSockets). */
  private readonly known = new Map<string, PolledSocket>();
  /** when each known socket was first seen, and the poll before that. */
  private readonly sighted = new Map<string, { after: string | null; by: string }>();
  /** sockets whose close a destroy event already reported (the next poll does not repeat it). */
  private readonly closedByDestroy = new Set<string>();
  /** connections listed by the last snapshot: their close shows in the next snapshot, not as an event. */
  private snapshotConnections = new Set<string>();
  private readonly subscriptions = new Map<number, { subscription: DestroyEventsSubscription; namespace: WatchedNamespace }>();
  private readonly refusedNamespaces = new Set<number>();
  private readonly finder: OwnerFinder;
  private pending: WatchEvent[] = [];
  private dropped = 0;
  private lastPollAt: string | null = null;
  private lastSnapshotAt: string | null = null;
  private lastSnapshotMs = 0;
  private snapshotDue = true;
  private meta: Inventory['meta'] | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  /** counters for the end-of-run line and the soak bench. */
  readonly counts = { polls: 0, events: 0, snapshots: 0, lost: 0, ownerLookups: 0 };

  /** owners' command lines as --cmdline says (redacted by default), in snapshots and events alike. */
  private readonly renderCmdline: ReturnType<typeof cmdlineRenderer>;

  constructor(private readonly options: WatcherOptions) {
    this.renderCmdline = cmdlineRenderer(options.cmdline);
    this.finder = new OwnerFinder(options.proc, null, this.renderCmdline);
  }

  /**
   * What the watcher holds between polls, and the socket inodes and pids it holds anything
   * of: for the test that memory stays bounded (test/watch/watcher-memory.test.ts). Every
   * map here loses a socket's entry when the socket closes and a process's when it has
   * exited (at the next owner look-up); none grows with the length of the run.
   */
  retained(): { sizes: { [map in 'known' | 'sighted' | 'closedByDestroy' | 'snapshotConnections' | 'subscriptions' | 'refusedNamespaces' | 'pendingEvents' | 'cachedOwners']: number }; inodes: number[]; pids: number[] } {
    const finder = this.finder.retained();
    const inodes = new Set(finder.inodes);
    for (const socket of this.known.values()) inodes.add(socket.record.inode);
    return {
      sizes: {
        known: this.known.size,
        sighted: this.sighted.size,
        closedByDestroy: this.closedByDestroy.size,
        snapshotConnections: this.snapshotConnections.size,
        subscriptions: this.subscriptions.size,
        refusedNamespaces: this.refusedNamespaces.size,
        pendingEvents: this.pending.length,
        cachedOwners: this.finder.cachedCount,
      },
      inodes: [...inodes],
      pids: finder.pids,
    };
  }

  /** Asks the loop to stop after the step in progress (SIGTERM). */
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /** Runs until stop(); then closes the subscriptions and writes what is still buffered. */
  async run(): Promise<void> {
    try {
      // the snapshot's garbage, at once (release-heap.ts says why); here, where its inventory is out of scope
      if (await this.snapshot('start')) releaseSnapshotHeap();
      let collectedAt = Date.now();
      await this.poll(true);
      this.options.onReady?.(this.subscriptions.size, this.known.size);
      while (!this.stopped) {
        await this.sleep(this.options.intervalMs);
        if (this.stopped) break;
        await this.poll(false);
        if (this.snapshotDue || Date.now() - this.lastSnapshotMs >= this.options.snapshotEveryMs) {
          // not after a failed one: on a locked database that is tried again every poll, and a compacting collection costs ~80 ms
          if (await this.snapshot('scheduled')) {
            releaseSnapshotHeap();
            collectedAt = Date.now();
          }
        }
        await this.flush();
        if (Date.now() - collectedAt >= HEAP_COLLECT_EVERY_MS) {
          collectHeap(); // the churn's old garbage (release-heap.ts)
          collectedAt = Date.now();
        }
      }
    } finally {
      for (const { subscription } of this.subscriptions.values()) subscription.close();
      this.subscriptions.clear();
    }
    await this.flush(true);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private emit(event: WatchEvent): void {
    this.counts.events++;
    this.options.onEvent(event);
    const limit = this.options.maxBufferedEvents ?? 100_000;
    if (this.pending.length >= limit) {
      this.dropped++;
      return;
    }
    this.pending.push(event);
  }

  /** Writes buffered events; on a locked database keeps them for the next try (final: a few more tries). */
  private async flush(final = false): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.pending.length === 0 && this.dropped === 0) return;
      const batch = this.pending;
      try {
        await insertWatchEvents(this.options.store, this.options.host, batch);
        this.pending = this.pending.slice(batch.length);
        if (this.dropped > 0) {
          this.options.onNotice(`${this.dropped} event(s) were printed but not stored: the database stayed locked while more than ${this.options.maxBufferedEvents ?? 100_000} waited`);
          this.dropped = 0;
        }
        return;
      } catch (error) {
        if (!final || attempt >= 20) {
          if (final) this.options.onNotice(`${this.pending.length} event(s) could not be stored: ${error instanceof Error ? error.message : String(error)}`);
          else if (attempt === 0) this.options.onNotice(`events kept in memory (${this.pending.length}): ${error instanceof Error ? error.message : String(error)}`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }

  /** A full snapshot into the store; refreshes the owner cache and the connections it lists. */
  /** Whether it was taken (false: not now, tried again at the next poll). */
  private async snapshot(reason: string): Promise<boolean> {
    const { proc, host, store } = this.options;
    let inventory: Inventory;
    try {
      // as `snapshot` does: watch's own sockets (its destroy-event subscriptions) are left out
      inventory = await collectInventory({ procRoot: proc.root, host, leaveOutOwnProcess: true, cmdline: this.renderCmdline });
      await writeSnapshot(store, inventory, { host, label: null });
    } catch (error) {
      // a locked database: tried again at the next poll
      this.snapshotDue = true;
      this.options.onNotice(`snapshot (${reason}) not taken: ${error instanceof Error ? error.message : String(error)}; trying again in ${this.options.intervalMs} ms`);
      return false;
    }
    this.counts.snapshots++;
    this.snapshotDue = false;
    this.lastSnapshotMs = Date.now();
    this.lastSnapshotAt = inventory.meta.takenAt;
    this.meta = inventory.meta;
    const connections = new Set<string>();
    for (const socket of inventory.sockets) {
      if ((socket.family === 'tcp' || socket.family === 'udp') && socket.remoteAddress !== null) connections.add(connectionKey(socket.netns, socket));
    }
    this.snapshotConnections = connections;
    const pids = readNamespaceView(proc).pids;
    this.finder.resetFrom(inventory, pids, readHostContext(proc.root).users, (socket) => isPolledKind(socket));
    return true;
  }

  /** One poll: namespaces, subscriptions, bound sockets; events for what changed. */
  private async poll(first: boolean): Promise<void> {
    const now = new Date().toISOString();
    const view = readNamespaceView(this.options.proc);
    this.syncSubscriptions(view.namespaces);
    const poll = this.counts.polls + 1;
    const result = await pollBoundSockets(this.options.proc, view.namespaces, this.options.dumper, this.known, poll);
    this.counts.polls = poll;
    // a namespace that could not be dumped this time keeps what it had (not reported closed)
    const failed = new Set(result.failures.map((failure) => failure.namespace.inode));
    if (failed.size > 0) {
      for (const socket of this.known.values()) if (failed.has(socket.record.netns)) socket.seenInPoll = poll;
    }
    const fresh = [...result.fresh.values()];
    if (fresh.length > 0) {
      this.counts.ownerLookups++;
      const owners = await this.finder.find(fresh.map((socket) => socket.record.inode).filter((inode) => inode !== 0), view.pids);
      for (const socket of fresh) {
        socket.record.owners = owners.get(socket.record.inode) ?? [];
        this.sighted.set(socket.key, { after: first ? null : this.lastPollAt, by: now });
        if (!first) {
          this.emit({ kind: 'opened', at: now, source: 'poll', socket: socket.record, openedAfter: this.lastPollAt, openedBy: now, closedAfter: null, closedBy: null, lost: null, netns: socket.record.netns });
        }
      }
      // the sockets there at start are `check`'s to judge: the live policy is about what appears
      if (!first) this.options.onOpened?.(fresh.map((socket) => socket.record), this.meta);
    }
    for (const [key, socket] of this.known) {
      if (socket.seenInPoll === poll) continue;
      this.known.delete(key); // deleting the current entry while iterating a Map is safe
      const seen = this.sighted.get(key);
      this.sighted.delete(key);
      this.finder.forget(socket.record.inode);
      if (this.closedByDestroy.delete(key)) continue;
      this.emit({ kind: 'closed', at: now, source: 'poll', socket: socket.record, openedAfter: seen?.after ?? null, openedBy: seen?.by ?? null, closedAfter: this.lastPollAt, closedBy: now, lost: null, netns: socket.record.netns });
    }
    for (const socket of fresh) this.known.set(socket.key, socket);
    this.closedByDestroy.clear();
    this.lastPollAt = now;
  }

  /**
   * One destroy subscription per namespace in view; those of namespaces gone from view are
   * closed. That matters: our netlink socket holds a reference to its namespace, so a
   * namespace deleted with `ip netns del` lives on (one interval at most) until we let go.
   */
  private syncSubscriptions(namespaces: readonly WatchedNamespace[]): void {
    const source = this.options.destroyEvents;
    if (source === null) return;
    const inView = new Set(namespaces.map((namespace) => namespace.inode));
    for (const [inode, { subscription }] of this.subscriptions) {
      if (inView.has(inode)) continue;
      subscription.close();
      this.subscriptions.delete(inode);
    }
    for (const inode of this.refusedNamespaces) if (!inView.has(inode)) this.refusedNamespaces.delete(inode); // memory stays flat as namespaces come and go
    for (const namespace of namespaces) {
      if (this.subscriptions.has(namespace.inode) || this.refusedNamespaces.has(namespace.inode)) continue;
      let subscription: DestroyEventsSubscription;
      try {
        subscription = source.openDestroyEvents(namespace.entryPath, (records, protocols, lost) => this.onDestroyed(namespace, records, protocols, lost), this.options.eventQueueBytes);
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'EPERM' || code === 'EACCES') {
          this.refusedNamespaces.add(namespace.inode);
          this.options.onNotice(`no destroy events for netns ${namespace.name} (${namespace.inode}): entering it was refused (${code}); its sockets are polled only`);
        }
        continue; // gone already (ENOENT, ESRCH): not in the next view
      }
      if (subscription.netns !== namespace.inode) {
        subscription.close(); // the pid we entered by exited and its number went to another namespace
        continue;
      }
      this.subscriptions.set(namespace.inode, { subscription, namespace });
    }
  }

  private onDestroyed(namespace: WatchedNamespace, records: Uint8Array, protocols: Uint8Array, lost: number): void {
    const now = new Date().toISOString();
    for (let index = 0; index < protocols.length; index++) {
      const at = index * INET_DIAG_MSG_SIZE;
      const bytes = records.subarray(at, at + INET_DIAG_MSG_SIZE);
      const family = protocols[index] === 6 ? 'tcp' : protocols[index] === 17 ? 'udp' : null;
      const ipVersion = bytes[0] === 2 ? 4 : bytes[0] === 10 ? 6 : null;
      if (family === null || ipVersion === null) continue;
      const key = `c${inetDiagCookie(bytes, 0)}`;
      const known = this.known.get(key);
      if (known !== undefined) {
        if (this.closedByDestroy.has(key)) continue;
        this.closedByDestroy.add(key);
        this.finder.forget(known.record.inode);
        const seen = this.sighted.get(key);
        this.emit({ kind: 'closed', at: now, source: 'destroy', socket: known.record, openedAfter: seen?.after ?? null, openedBy: seen?.by ?? null, closedAfter: this.lastPollAt, closedBy: now, lost: null, netns: namespace.inode });
        continue;
      }
      const [record] = parseInetDiagRecords(bytes, { family, ipVersion });
      if (record === undefined) continue;
      record.netns = namespace.inode;
      record.netnsName = namespace.name;
      record.exposure = exposureOf(record.family, record.localAddress);
      const connected = record.remoteAddress !== null;
      if (connected && this.snapshotConnections.has(connectionKey(namespace.inode, record))) continue;
      this.emit({
        kind: 'short-lived',
        at: now,
        source: 'destroy',
        socket: record,
        // a connection was not in the last snapshot; an unconnected socket was not in the last poll
        openedAfter: connected ? this.lastSnapshotAt : this.lastPollAt,
        openedBy: now,
        closedAfter: connected ? this.lastSnapshotAt : this.lastPollAt,
        closedBy: now,
        lost: null,
        netns: namespace.inode,
      });
    }
    if (lost > 0) {
      this.counts.lost += lost;
      this.emit({ kind: 'lost', at: now, source: 'kernel', socket: null, openedAfter: null, openedBy: null, closedAfter: null, closedBy: null, lost, netns: namespace.inode });
      this.snapshotDue = true; // taken at once, after a poll: what the lost events would have said is in it
      this.wake?.();
    }
  }
}

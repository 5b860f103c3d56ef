/**
 * The addon's sock_diag destroy-event subscription (native/sock-destroy.c), for `watch`.
 * Kept apart from native-addon.ts so that an addon built before it existed is simply
 * "no destroy events" (watch then polls alone) rather than a type lie.
 */
import { nativeAddon } from './native-addon.js';

/**
 * Called with every destroy event read at one wake-up: `records` the 72-byte
 * inet_diag_msg of each (src/proc/parse-inet-diag.ts), `protocols` the IP protocol of
 * each (6 TCP, 17 UDP), `lost` the events the kernel dropped since the last call (ENOBUFS).
 */
export type DestroyEventsHandler = (records: Uint8Array, protocols: Uint8Array, lost: number) => void;

/** One subscription, in one network namespace. */
export interface DestroyEventsSubscription {
  /** inode of the namespace subscribed to. */
  netns: number;
  /** stops it; calling again does nothing. */
  close(): void;
}

export interface DestroyEventsSource {
  /**
   * Subscribes to the TCP and UDP (v4 and v6) destroy groups of the namespace of
   * `netnsPath` (null: ours). Throws an Error with the errno name as `code` (EPERM: no
   * right to enter the namespace; ENOENT: it is gone). `queueBytes`: the kernel-side
   * queue of events not read yet (default 4 MB); beyond it events are lost, and counted.
   */
  openDestroyEvents(netnsPath: string | null, onEvents: DestroyEventsHandler, queueBytes?: number): DestroyEventsSubscription;
}

/** The addon's subscription, or null when the addon is not built (or predates it). */
export function destroyEventsSource(): DestroyEventsSource | null {
  const addon = nativeAddon as unknown as Partial<DestroyEventsSource> | null;
  return addon !== null && typeof addon.openDestroyEvents === 'function' ? (addon as DestroyEventsSource) : null;
}

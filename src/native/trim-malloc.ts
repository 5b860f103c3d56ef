/**
 * The addon's malloc_trim (native/malloc-trim.c), for `watch` (src/watch/release-heap.ts).
 * Kept apart from native-addon.ts, as destroy-events.ts is, so that an addon built before
 * it existed simply has none. The JavaScript twin is doing nothing: JavaScript has no
 * handle on the C heap, and nothing is wrong with not trimming it but the memory it keeps.
 */
import { nativeAddon } from './native-addon.js';

/** Returns free C-heap pages to the kernel; true when some were. False without the addon (or off glibc). */
export function trimMalloc(): boolean {
  const addon = nativeAddon as unknown as { trimMalloc?: () => boolean } | null;
  return typeof addon?.trimMalloc === 'function' ? addon.trimMalloc() : false;
}

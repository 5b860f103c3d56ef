/**
 * Why a central store refused a pushed snapshot (push-snapshots.ts): it does not follow the
 * central store's latest snapshot of its host (`follows`: that snapshot's hash, for the
 * pusher to find in its own history), or its content hash recomputed centrally differs
 * from the one the host recorded (`hash`).
 */
export class PushRefusal extends Error {
  override readonly name = 'PushRefusal';

  constructor(
    readonly kind: 'follows' | 'hash',
    message: string,
    /** the central store's latest content hash for the host, when kind is `follows` */
    readonly centralHead: string | null = null,
  ) {
    super(message);
  }
}

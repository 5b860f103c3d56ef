/**
 * A finding: something about a socket or its owner that a security review should look at,
 * with a severity and a one-line reason. Shown by `listening` and `check`; accepted in a
 * baseline by kind and exe, and where the entry says so by netns, port and exposure.
 */
import type { Exposure } from '../model/socket-record.js';

export type FindingKind =
  /** AF_PACKET socket: sees (or forges) whole frames; sniffers and BPFDoor-style backdoors. */
  | 'packet-socket'
  /** raw IP socket: sees every packet of its IP protocol, whatever the port. */
  | 'raw-socket'
  /** the owner's executable was deleted after it started. */
  | 'exe-deleted'
  /** the owner's executable lies under /tmp, /var/tmp or /dev/shm. */
  | 'exe-in-temp-dir'
  /** neither comm nor argv[0] matches the owner's executable. */
  | 'masquerade'
  /** a root process listens on every address. */
  | 'root-wildcard-listener';

export const FINDING_KINDS: readonly FindingKind[] = [
  'packet-socket',
  'raw-socket',
  'exe-deleted',
  'exe-in-temp-dir',
  'masquerade',
  'root-wildcard-listener',
];

export type Severity = 'high' | 'medium' | 'low';

export const SEVERITY_RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

export interface Finding {
  kind: FindingKind;
  severity: Severity;
  /** one line, for people: what was seen and why it matters. */
  reason: string;
  /** the owner's executable (as the kernel shows it), null when unknown. */
  exe: string | null;
  pid: number | null;
  comm: string | null;
  user: string | null;
  netnsName: string;
  /** the socket that led to the finding, in readable form, e.g. `tcp 0.0.0.0:22`. */
  socket: string;
  /**
   * findings about a listener (root-wildcard-listener, raw-socket): its port (raw: IP
   * protocol); null for other findings and for a listener on an ephemeral port (the kernel
   * picks it anew at each start, so no baseline could name it).
   */
  port: number | null;
  /** findings about a listener: its exposure; else null. */
  exposure: Exposure | null;
}

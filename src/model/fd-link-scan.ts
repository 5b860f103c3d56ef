/** What an fd-link scan returns, in the C addon or in JavaScript: a shape shared by proc/, native/ and inventory/. */

/**
 * Every socket fd of a set of processes, as parallel arrays (one entry per socket fd),
 * plus the pids whose fd directory or links could not be read and why.
 * Typed arrays: they cross from the scanning thread without a copy.
 */
export interface FdLinkScan {
  pids: Int32Array;
  fds: Int32Array;
  inodes: Float64Array;
  /** pid and errno code for each process whose fds could not be read (ENOENT, EACCES...). */
  failures: { pid: number; code: string }[];
  /** how many pids this scan took off the shared queue. */
  claimed: number;
  /**
   * The C scan only: the files of each process that holds a socket, read right after its
   * fds (see processFilesFromDump in src/inventory/process-details.ts).
   */
  processes?: ProcessFileDump;
}

/** Per process: its pid, six (offset, length) spans of `bytes` (native/fd-scan.c: comm, stat, exe, cmdline, status, cgroup). */
export interface ProcessFileDump {
  pids: Int32Array;
  spans: Int32Array;
  bytes: Uint8Array;
}

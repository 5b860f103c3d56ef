import fs from 'node:fs';

/**
 * Where a command writes. Commands never touch process.stdout directly, so tests run them
 * in-process and read what they printed.
 */
export interface CommandIo {
  stdout(text: string): void;
  /** UTF-8 bytes to stdout; `bytes` may be reused by the caller once this returns. */
  stdoutBytes(bytes: Uint8Array): void;
  /** resolves once stdout has taken what was written (backpressure for large outputs). */
  drained(): Promise<void>;
  stderr(text: string): void;
  /** colour allowed: stdout is a terminal, NO_COLOR unset and --no-color not given. */
  color: boolean;
  env: NodeJS.ProcessEnv;
}

export function processIo(colorFlag: boolean): CommandIo {
  const env = process.env;
  const noColorEnv = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  let behind = false;
  if (stdoutIsFileOrNull()) {
    // what node's own stdout does for a file (a SyncWriteStream: one writeSync per write),
    // without its copy of every string into a new Buffer first: 5-7 ms of the 30 MB that
    // collect --json writes at 50,000 sockets
    return {
      stdout: (text) => void fs.writeSync(1, text),
      stdoutBytes: (bytes) => writeAllSync(1, bytes),
      drained: () => Promise.resolve(),
      stderr: (text) => void process.stderr.write(text),
      color: false,
      env,
    };
  }
  return {
    stdout: (text) => {
      if (!process.stdout.write(text)) behind = true;
    },
    // a copy: the stream keeps what it has not written yet
    stdoutBytes: (bytes) => {
      if (!process.stdout.write(Buffer.from(bytes))) behind = true;
    },
    drained: () =>
      behind
        ? new Promise((resolve) => {
            process.stdout.once('drain', () => {
              behind = false;
              resolve();
            });
          })
        : Promise.resolve(),
    stderr: (text) => void process.stderr.write(text),
    color: colorFlag && !noColorEnv && process.stdout.isTTY === true,
    env,
  };
}

/** Writes every byte (a write to a file may take fewer than asked, as on a signal). */
function writeAllSync(fd: number, bytes: Uint8Array): void {
  for (let written = 0; written < bytes.length; ) {
    const taken = fs.writeSync(fd, bytes, written, bytes.length - written);
    if (taken === 0) throw new Error('stdout took none of the bytes written to it');
    written += taken;
  }
}

/**
 * Whether stdout is a regular file or /dev/null (character device 1:3): written to
 * synchronously either way. A pipe, a socket or a terminal goes through process.stdout.
 */
function stdoutIsFileOrNull(): boolean {
  let stat: fs.Stats;
  try {
    stat = fs.fstatSync(1);
  } catch {
    return false; // closed: process.stdout reports that as it always has
  }
  return stat.isFile() || (stat.isCharacterDevice() && stat.rdev === DEV_NULL);
}

/** /dev/null's device number, makedev(1, 3), as fstat gives it. */
const DEV_NULL = (1 << 8) | 3;

/** An io that collects output in memory, for tests. */
export function memoryIo(env: NodeJS.ProcessEnv = {}): CommandIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    color: false,
    env,
    stdout(text: string) {
      io.out += text;
    },
    stdoutBytes(bytes: Uint8Array) {
      io.out += Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    },
    drained: () => Promise.resolve(),
    stderr(text: string) {
      io.err += text;
    },
  };
  return io;
}

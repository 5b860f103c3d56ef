/**
 * Where a command writes. Commands never touch process.stdout directly, so tests run them
 * in-process and read what they printed.
 */
export interface CommandIo {
  stdout(text: string): void;
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
  return {
    stdout: (text) => {
      if (!process.stdout.write(text)) behind = true;
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
    drained: () => Promise.resolve(),
    stderr(text: string) {
      io.err += text;
    },
  };
  return io;
}

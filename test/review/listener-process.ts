import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const HELPER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'listener-helper.mjs');

/** test/review/listener-helper.mjs as a child: listen and close on command. */
export class ListenerProcess {
  readonly child: ChildProcessByStdio<Writable, Readable, null>;
  private readonly answers: string[] = [];
  private readonly waiters: ((line: string) => void)[] = [];

  /** `args` end up in the child's command line (and so in /proc/PID/cmdline). */
  constructor(args: string[] = []) {
    this.child = spawn(process.execPath, [HELPER, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => {
      const waiter = this.waiters.shift();
      if (waiter !== undefined) waiter(line);
      else this.answers.push(line);
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  private next(): Promise<string> {
    const answer = this.answers.shift();
    return answer !== undefined ? Promise.resolve(answer) : new Promise((resolve) => this.waiters.push(resolve));
  }

  async ready(): Promise<void> {
    const line = await this.next();
    if (line !== 'ready') throw new Error(`listener helper said "${line}"`);
  }

  private async send(command: string): Promise<string[]> {
    this.child.stdin.write(`${command}\n`);
    const answer = await this.next();
    if (!answer.startsWith('ok')) throw new Error(`listener helper: ${command}: ${answer}`);
    return answer.split(' ').slice(1);
  }

  /** Listens on host:port ("free": a free port outside the ephemeral range); returns the port. */
  async listen(name: string, host: string, port: number | 'free' = 'free'): Promise<number> {
    return Number((await this.send(`listen ${name} ${host} ${port}`))[0]);
  }

  async close(name: string): Promise<void> {
    await this.send(`close ${name}`);
  }

  /** Ends the child (by closing its stdin) and waits for it. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end();
    await exited;
  }
}

import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

/**
 * V8 code caches for the bin's chunks: each chunk's compiled bytecode, made at build time
 * (scripts/make-code-cache.mjs) by running the commands once, and read back at start-up,
 * so that Node does not parse and compile the program again in every process. Node 20 has
 * no compile cache of its own (module.enableCompileCache came with Node 22).
 *
 * Measured (alternating whole processes, 21 rounds, Node 20.20, 2 CPUs): `diff latest
 * latest` of a small store 72 -> 61 ms, `show` 70 -> 60 ms, `--help` 40 -> 36 ms, collect
 * --json at 50,000 sockets 360 -> 354 ms. A cache V8 rejects costs about 1.5 ms.
 *
 * Trust: the caches are only ever read from the bin's own directory (dist/bin/code-cache,
 * written by the build beside the code it was made from, as trusted as that code), never
 * from a temporary or per-user directory, which another local user could fill first.
 * Nothing is written at run time. V8 checks each cache against its own version, its flags
 * and the source's length, and rejects a mismatch: the chunk is then compiled as usual. The
 * source's content is not checked by V8, so a cache is only looked for under its chunk's
 * name, which carries a hash of the chunk's content (rolldown's [hash]), and the build
 * removes dist/bin, caches included, before writing new chunks.
 */

/** What became of the caches in this process: chunks loaded with one, rejected by V8, or without one. */
export interface CodeCacheStatus {
  /** the directory the caches are read from; null when the bin did not install the loader (tests, running from source). */
  directory: string | null;
  loaded: number;
  rejected: number;
  missing: number;
}

const status: CodeCacheStatus = { directory: null, loaded: 0, rejected: 0, missing: 0 };

/** The loader's counts, with the Node and V8 versions that built the caches (null when unknown). */
export interface CodeCacheReport extends CodeCacheStatus {
  builtBy: { node: string; v8: string } | null;
}

/** The counts so far and, from built-by.json beside the caches, who built them. */
export function codeCacheReport(): CodeCacheReport {
  return { ...status, builtBy: status.directory === null ? null : readBuiltBy(path.join(status.directory, BUILT_BY_FILE)) };
}

/** Written by the build beside the caches: the Node and V8 versions that made them. */
export const BUILT_BY_FILE = 'built-by.json';

function readBuiltBy(file: string): { node: string; v8: string } | null {
  const bytes = readBounded(file, 4096);
  if (bytes === undefined) return null;
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as { node?: unknown; v8?: unknown };
    const short = (value: unknown): value is string => typeof value === 'string' && value.length <= 64;
    return short(parsed.node) && short(parsed.v8) ? { node: parsed.node, v8: parsed.v8 } : null;
  } catch {
    return null;
  }
}

/** The caches' directory beside the bin's chunks. */
export function codeCacheDirectory(binDirectory: string): string {
  return path.join(binDirectory, 'code-cache');
}

/** A cache file's name for a chunk. */
function codeCacheFileName(chunkName: string): string {
  return `${chunkName}.v8`;
}

/** A cache larger than this is not read (the largest chunk's is about 1 MB). */
const MAX_CACHE_BYTES = 16 * 1024 * 1024;

interface CompilingModule {
  exports: unknown;
  require(id: string): unknown;
  _compile(content: string, filename: string): unknown;
}

/**
 * Makes every later require() of a chunk in `binDirectory` (a file ending in .cjs directly
 * inside it) compile with its cache; every other module loads as before. With
 * `writeDirectory` (the build's SOCKAUDIT_WRITE_CODE_CACHE), each chunk's cache is written
 * there when the process exits, holding every function compiled by then.
 */
export function installCodeCache(binDirectory: string, writeDirectory?: string): void {
  const directory = codeCacheDirectory(binDirectory);
  status.directory = directory;
  const compiled: [string, vm.Script][] = [];
  const prototype = (Module as unknown as { prototype: CompilingModule }).prototype;
  const wrap = (Module as unknown as { wrap(source: string): string }).wrap;
  const original = prototype._compile;
  prototype._compile = function compileWithCache(this: CompilingModule, content: string, filename: string): unknown {
    if (path.dirname(filename) !== binDirectory || !filename.endsWith('.cjs')) return original.call(this, content, filename);
    const name = path.basename(filename);
    const cachedData = readBounded(path.join(directory, codeCacheFileName(name)), MAX_CACHE_BYTES);
    const script = new vm.Script(wrap(content), { filename, cachedData });
    if (cachedData === undefined) status.missing += 1;
    else if (script.cachedDataRejected === true) status.rejected += 1;
    else status.loaded += 1;
    if (writeDirectory !== undefined) compiled.push([name, script]);
    const body = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return body.call(this.exports, this.exports, requireFor(this), this, filename, binDirectory);
  };
  if (writeDirectory !== undefined) {
    process.on('exit', () => {
      for (const [name, script] of compiled) fs.writeFileSync(path.join(writeDirectory, codeCacheFileName(name)), script.createCachedData());
    });
  }
}

/** The `require` a chunk sees: the module's own, as Node's loader gives it (chunks use require() alone). */
function requireFor(module: CompilingModule): (id: string) => unknown {
  return (id: string) => module.require(id);
}

/** A file's bytes (a cache, or built-by.json); undefined when there is none, it cannot be read, it is empty, or it is over `maxBytes`. */
function readBounded(file: string, maxBytes: number): Buffer | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0 || size > maxBytes) return undefined;
    const bytes = Buffer.allocUnsafe(size);
    let read = 0;
    while (read < size) {
      const count = fs.readSync(fd, bytes, read, size - read, read);
      if (count === 0) return undefined; // shortened while read
      read += count;
    }
    return bytes;
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

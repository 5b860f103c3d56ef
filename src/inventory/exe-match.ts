/**
 * `--exe` as people type it. A path (anything with a `/`) must equal the owner's exe; a
 * bare name such as `nginx` matches the exe's basename (a deleted binary's ` (deleted)`
 * suffix aside) or the process's comm, which the kernel cuts to 15 bytes. Users type
 * `history --exe nginx`, not `/usr/sbin/nginx`, and a daemon whose exe is a symlink's
 * target (redis-server -> /usr/bin/redis-check-rdb) is still found by its comm.
 *
 * @example
 *   exeMatches('nginx', { exe: '/usr/sbin/nginx', comm: 'nginx' })                  -> true
 *   exeMatches('nginx', { exe: '/usr/sbin/nginx (deleted)', comm: 'nginx' })        -> true
 *   exeMatches('redis-server', { exe: '/usr/bin/redis-check-rdb', comm: 'redis-server' }) -> true
 *   exeMatches('systemd-resolved', { exe: null, comm: 'systemd-resolve' })          -> true (15-byte comm)
 *   exeMatches('/usr/sbin/nginx', { exe: '/usr/local/sbin/nginx', comm: 'nginx' })  -> false
 *   exeMatches('ngin', { exe: '/usr/sbin/nginx', comm: 'nginx' })                    -> false
 */
export function exeMatches(wanted: string, owner: { exe: string | null; comm: string | null }): boolean {
  if (wanted.includes('/')) return owner.exe === wanted;
  if (owner.exe !== null && exeBasename(owner.exe) === wanted) return true;
  return owner.comm !== null && owner.comm !== '' && owner.comm === commOf(wanted);
}

const DELETED_SUFFIX = ' (deleted)';

/** The last path element of an exe link, without the kernel's ` (deleted)` suffix. */
export function exeBasename(exe: string): string {
  const path = exe.endsWith(DELETED_SUFFIX) ? exe.slice(0, -DELETED_SUFFIX.length) : exe;
  return path.slice(path.lastIndexOf('/') + 1);
}

/** What the kernel keeps of a name as comm: its first 15 bytes (TASK_COMM_LEN 16, with the NUL). */
function commOf(name: string): string {
  const bytes = Buffer.from(name, 'utf8');
  return bytes.length <= 15 ? name : bytes.subarray(0, 15).toString('utf8');
}

/**
 * The name a process was started as, when it differs from its exe's basename: a daemon run
 * through a symlink (`redis-server` -> /usr/bin/redis-check-rdb, `python3` ->
 * /usr/bin/python3.11) is known by that name, not its exe's. The comm first (the kernel sets
 * it from the name exec'd, and it is not the free-form text argv often becomes, such as
 * `nginx: worker process`), else argv[0]'s basename; null when they agree or nothing is known.
 * A comm that is the first 15 bytes of the basename is the same name.
 *
 * @example
 *   startedAs({ exe: '/usr/bin/redis-check-rdb', comm: 'redis-server', cmdline: 'redis-server *:6379' }) -> 'redis-server'
 *   startedAs({ exe: '/usr/sbin/nginx', comm: 'nginx', cmdline: 'nginx: master process' })             -> null
 *   startedAs({ exe: '/usr/lib/systemd/systemd-resolved', comm: 'systemd-resolve', cmdline: null })     -> null
 */
export function startedAs(owner: { exe: string | null; comm: string | null; cmdline: string | null }): string | null {
  if (owner.exe === null) return null;
  const argv0 = owner.cmdline === null ? '' : (owner.cmdline.split(' ')[0] ?? '');
  const name = owner.comm !== null && owner.comm !== '' ? owner.comm : argv0.slice(argv0.lastIndexOf('/') + 1);
  if (name === '') return null;
  const base = exeBasename(owner.exe);
  return name === base || name === commOf(base) ? null : name;
}

/** The exe with the name it was started as beside it where they differ: `/usr/bin/redis-check-rdb (as redis-server)`. */
export function exeWithStartedName(owner: { exe: string | null; comm: string | null; cmdline: string | null }): string | null {
  if (owner.exe === null) return null;
  const name = startedAs(owner);
  return name === null ? owner.exe : `${owner.exe} (as ${name})`;
}

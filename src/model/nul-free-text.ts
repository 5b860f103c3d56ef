/**
 * No text in sockaudit's records holds a NUL. The kernel's own strings (comm, hostname,
 * osrelease, interface names) end at one, so a NUL can only come from a captured tree or a
 * container runtime's metadata, written by whoever made them. It is read as U+FFFD: shown,
 * not hidden (cutting the text at the NUL, as C would, would hide what follows it), and
 * storable in PostgreSQL, whose text type refuses NUL. SQLite and PostgreSQL then store the
 * same text, and the digests made of it verify in either. (A unix socket's path has its own
 * rule: a NUL prints as '@', as /proc/net/unix prints it.)
 *
 * @example nulFree('ev\0il') -> 'ev\uFFFDil'
 * @example nulFree('sshd') -> 'sshd' (the same string: nothing is copied)
 */
export function nulFree(text: string): string {
  return text.includes('\0') ? text.replaceAll('\0', '\uFFFD') : text;
}

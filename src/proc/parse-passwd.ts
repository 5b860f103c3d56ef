import { nulFree } from '../model/nul-free-text.js';

/**
 * /etc/passwd -> uid => user name. "root:x:0:0:root:/root:/bin/bash" -> 0 => "root".
 * The first entry for a uid wins, as getpwuid(3) does; malformed lines are skipped.
 */
export function parsePasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(':');
    if (fields.length < 3 || fields[0] === '') continue;
    const uid = Number(fields[2]);
    if (Number.isInteger(uid) && uid >= 0 && !users.has(uid)) users.set(uid, nulFree(fields[0]!));
  }
  return users;
}

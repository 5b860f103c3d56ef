import { joinArgv, type CmdlineRenderer } from '../inventory/process-details.js';
import { redactArgv } from '../inventory/redact-cmdline.js';

/** What `snapshot --cmdline` keeps of owners' command lines. */
export type CmdlinePolicy = 'full' | 'redacted' | 'none';

/**
 * How the collection turns an owner's argv into the command line to store, as the policy
 * says: joined as is, redacted (redactArgv, on the arguments before they are joined, so a
 * value holding spaces is hidden whole) then joined, or dropped (null). Applied while
 * collecting, so that a secret never reaches the database. Processes with the same argv
 * and exe (a server's workers) are redacted once.
 */
export function cmdlineRenderer(policy: CmdlinePolicy): CmdlineRenderer {
  if (policy === 'full') return joinArgv;
  if (policy === 'none') return () => null;
  const cache = new Map<string, string>();
  return (argv, exe) => {
    const key = `${exe ?? ''}\0${argv.join('\0')}`;
    let redacted = cache.get(key);
    if (redacted === undefined) {
      redacted = redactArgv(argv, exe).join(' ');
      cache.set(key, redacted);
    }
    return redacted;
  };
}

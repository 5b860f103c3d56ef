import fs from 'node:fs';
import { createRequire } from 'node:module';

/** Where nft is looked for: fixed paths, never $PATH (a root tool does not run what PATH says). */
const NFT_PATHS = ['/usr/sbin/nft', '/sbin/nft', '/usr/bin/nft'];
/** The most of `nft -j list ruleset` read (a large ruleset is a few MB). */
const MAX_RULESET_BYTES = 32 << 20;

/**
 * The host's nftables ruleset as JSON text (`nft -j list ruleset`), for its DNAT rules;
 * null when it is not to be read: not the live host, not root (nft would be refused), or
 * no nft installed. Run without a shell, with a fixed argv, a minimal environment, a time
 * limit and a cap on its output; a failure is `{ problem }` for a warning. It shows the
 * namespace sockaudit runs in, which is the host's when sockaudit runs on the host.
 */
export function readNftRuleset(live: boolean): { text: string } | { problem: string } | null {
  if (!live || process.getuid?.() !== 0) return null;
  const nft = NFT_PATHS.find((candidate) => {
    try {
      return fs.statSync(candidate).isFile();
    } catch {
      return false;
    }
  });
  if (nft === undefined) return null;
  try {
    // node:child_process loaded only here, where nft exists: at the top it was ~3 ms of every
    // collection's start-up (scripts/rolldown-bin.config.mjs keeps commander from loading it)
    const { execFileSync } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
    const text = execFileSync(nft, ['-j', 'list', 'ruleset'], {
      encoding: 'utf8',
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
      maxBuffer: MAX_RULESET_BYTES,
    });
    return { text };
  } catch (error) {
    return { problem: `${nft} -j list ruleset failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
  }
}

/**
 * The packed tarball as a user installs it (scripts/check-package.sh): with the prebuild,
 * and without it and without a compiler. It takes minutes (better-sqlite3 compiles from
 * source where its download is out of reach), so .ci/run runs the script itself, once, as
 * a test of its own; here it runs on request.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IS_ROOT, REPO_ROOT, hasCommand } from '../helpers/live.js';

const requested = process.env.SOCKAUDIT_CHECK_PACKAGE === '1';

describe.skipIf(!requested || !hasCommand('ss') || !hasCommand('python3'))(
  'the packed package (skipped unless SOCKAUDIT_CHECK_PACKAGE=1: it takes minutes and .ci/run runs scripts/check-package.sh itself; needs ss, python3 and the npm registry)',
  () => {
    it('installs from the tarball, loads the prebuild, and installs and collects without prebuild or compiler', () => {
      const result = spawnSync('bash', [path.join(REPO_ROOT, 'scripts/check-package.sh')], { encoding: 'utf8', timeout: 20 * 60_000 });
      expect(result.stderr + result.stdout).toMatch(/installs and collects, with the prebuild and without/);
      expect(result.status).toBe(0);
      if (!IS_ROOT) console.warn('not root: collect lists only what this user may see');
    }, 20 * 60_000);
  },
);

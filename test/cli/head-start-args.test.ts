import { describe, expect, it } from 'vitest';
import { wantsFdScanHeadStart } from '../../src/cli-head-start.js';

describe('wantsFdScanHeadStart (which runs start the fd scan before loading the program)', () => {
  it.each([
    [['collect'], true],
    [['collect', '--json'], true],
    [['snapshot', '--quiet', '--db', '/tmp/s.db'], true],
    [['--no-color', 'collect', '--listening'], true],
    // common options before the command, with their values
    [['--db', '/tmp/s.db', 'snapshot'], true],
    [['--host', 'web1', '--db', 'x.db', 'collect'], true],
    [['--proc-root', 'fixtures/proc/edge-cases', 'collect'], false],
    // a captured tree is not /proc: nothing to scan ahead of time
    [['collect', '--proc-root', 'fixtures/proc/edge-cases'], false],
    [['snapshot', '--proc-root=fixtures/proc/edge-cases'], false],
    // help only prints text
    [['collect', '--help'], false],
    [['snapshot', '-h'], false],
    // commands that read the store, or none at all
    [['diff', 'last', '2'], false],
    [['show', '--json'], false],
    [['--version'], false],
    [[], false],
  ])('%j -> %s', (args, expected) => {
    expect(wantsFdScanHeadStart(args)).toBe(expected);
  });
});

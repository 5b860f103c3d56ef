import type { CommandIo } from '../io.js';
import { escapeText } from '../render/escape-text.js';
import { checkAgainstBaseline, type CheckResult } from '../review/check.js';
import { findFindings } from '../review/findings.js';
import type { Baseline } from '../review/baseline.js';
import { listHosts, listSnapshots } from '../store/list-snapshots.js';
import { openStore } from '../store/open-store.js';
import { readSnapshotOf } from '../store/read-snapshot.js';
import { EXIT_DIFFERENCES, EXIT_OK } from '../errors.js';

export interface HostCheck {
  host: string;
  snapshot: { id: number; takenAt: string };
  ok: boolean;
  violations: CheckResult['violations'];
  findings: CheckResult['findings'];
}

/**
 * `sockaudit check --baseline FILE --all-hosts`: every host's latest snapshot held against
 * one baseline. Exit 1 naming each host that violates it, 0 when all pass.
 */
export async function checkAllHosts(options: { db?: string; json?: boolean; baselineFile: string }, baseline: Baseline, io: CommandIo): Promise<number> {
  const store = await openStore({ db: options.db, env: io.env, access: 'read' });
  const checks: HostCheck[] = [];
  try {
    const now = new Date();
    for (const host of await listHosts(store)) {
      const [latest] = await listSnapshots(store, host, 1);
      if (latest === undefined) continue;
      const inventory = await readSnapshotOf(store, latest);
      // owners' exe aliases are only known for this machine's own /proc: none across hosts
      const result = checkAgainstBaseline(inventory, findFindings(inventory, {}), baseline, now);
      checks.push({ host, snapshot: { id: latest.id, takenAt: latest.takenAt }, ok: result.violations.length === 0, ...result });
    }
  } finally {
    await store.close();
  }
  const failing = checks.filter((check) => !check.ok);
  if (options.json === true) {
    io.stdout(JSON.stringify({ baseline: options.baselineFile, ok: failing.length === 0, hosts: checks }) + '\n');
  } else {
    const lines: string[] = [];
    for (const check of checks) {
      const where = `${escapeText(check.host)} (snapshot #${check.snapshot.id}, ${check.snapshot.takenAt})`;
      if (check.ok) {
        lines.push(`ok: ${where}`);
        continue;
      }
      lines.push(`VIOLATES: ${where}: ${check.violations.length} violation${check.violations.length === 1 ? '' : 's'}`);
      for (const violation of check.violations) lines.push(`  ${violation.kind}: ${escapeText(violation.message)}`);
    }
    lines.push(failing.length === 0 ? `all ${checks.length} hosts pass ${escapeText(options.baselineFile)}` : `${failing.length} of ${checks.length} hosts violate ${escapeText(options.baselineFile)}: ${failing.map((check) => escapeText(check.host)).join(', ')}`);
    io.stdout(lines.join('\n') + '\n');
  }
  return failing.length === 0 ? EXIT_OK : EXIT_DIFFERENCES;
}

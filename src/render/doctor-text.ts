/**
 * `sockaudit doctor`'s report (built by src/commands/doctor.ts) and its text form. Every
 * piece of host text in it (namespace names are comms and /run/netns names; paths and the
 * database location come from the environment; reasons quote the kernel and the server) is
 * escaped by escapeText, the project's one form, and bounded by fitCell.
 */
import type { OwnerCoverage, TablePath } from '../inventory/collection-paths.js';
import type { NativeAddonStatus } from '../native/native-addon.js';
import type { StoreInspection } from '../store/inspect-store.js';
import type { CodeCacheReport } from '../code-cache.js';
import { fitCell } from './escape-text.js';

/**
 * One finding of `doctor`. `problem`: something to fix here, that makes the exit code 1;
 * `limit`: as good as this machine and user allow (not root, a kernel without a module),
 * reported with what would lift it; `ok`: nothing to say but the fact.
 */
export interface DoctorCheck {
  area: 'addon' | 'tables' | 'namespaces' | 'owners' | 'database' | 'start-up';
  status: 'ok' | 'limit' | 'problem';
  summary: string;
  /** what to do about it; null when nothing is to be done. */
  advice: string | null;
}

export interface NamespaceReadability {
  name: string;
  inode: number;
  readable: boolean;
  reason: string | null;
}

export interface DoctorReport {
  ok: boolean;
  version: string;
  node: string;
  root: boolean;
  procRoot: string;
  addon: NativeAddonStatus;
  tables: TablePath[];
  namespaces: NamespaceReadability[];
  /** processes whose network namespace could not even be read (so a namespace only they are in is not seen). */
  processesWithUnreadableNamespace: number;
  owners: OwnerCoverage;
  database: StoreInspection;
  /** the bin's V8 code caches in this process (src/code-cache.ts). */
  codeCache: CodeCacheReport;
  checks: DoctorCheck[];
}

const MARK: Record<DoctorCheck['status'], string> = { ok: 'ok     ', limit: 'limit  ', problem: 'PROBLEM' };

/** Widest a summary, a reason or a path is shown; the JSON has them whole. */
const MAX_SUMMARY = 400;
const MAX_REASON = 200;
const MAX_NAMESPACE = 64;

/**
 * The text report: one line per check with its advice, then the tables and the unreadable
 * namespaces.
 *
 * @example a namespace named `evil\x1b[2Jname` is shown as `evil\x1b[2Jname`, escaped
 */
export function renderDoctor(report: DoctorReport): string {
  const lines = [`sockaudit ${report.version}, node ${report.node}, ${report.root ? 'as root' : 'not root'}, proc root ${fitCell(report.procRoot, MAX_REASON)}`, ''];
  for (const check of report.checks) {
    lines.push(`${MARK[check.status]}  ${check.area.padEnd(10)}  ${fitCell(check.summary, MAX_SUMMARY)}`);
    if (check.advice !== null) lines.push(`${' '.repeat(21)}-> ${fitCell(check.advice, MAX_SUMMARY)}`);
  }
  lines.push('', 'tables (this namespace):');
  for (const table of report.tables) {
    lines.push(`  ${table.table.padEnd(16)} ${table.source === 'sock_diag' ? 'sock_diag' : table.source === 'proc' ? '/proc text' : 'absent'}${table.reason === null ? '' : `  (${fitCell(table.reason, MAX_REASON)})`}`);
  }
  const unreadable = report.namespaces.filter((namespace) => !namespace.readable);
  if (unreadable.length > 0) {
    lines.push('', 'unreadable network namespaces:');
    for (const namespace of unreadable) lines.push(`  ${fitCell(namespace.name, MAX_NAMESPACE)} (${namespace.inode}): ${fitCell(namespace.reason ?? '', MAX_REASON)}`);
  }
  lines.push('', report.ok ? 'everything is as good as this machine allows' : 'problems found: see PROBLEM lines');
  return lines.join('\n') + '\n';
}

import { escapeText } from '../render/escape-text.js';
import type { CheckResult } from './check.js';
import type { ListeningSource } from './render-listening.js';
import { alignColumns, bold, severityText } from './text-columns.js';

function sourceText(source: ListeningSource): string {
  return source.kind === 'snapshot' ? `snapshot ${source.id} of ${source.host} (${source.takenAt})` : `${source.host} now (${source.takenAt}, not stored)`;
}

/**
 * `check` as text: a headline, then one line per violation, then the findings that did not
 * fail the check (accepted, or below high severity), for context.
 *
 * @example
 *   check of snapshot 12 of web1 (2026-11-25T12:00:00.000Z) against baseline.json: 1 violation
 *     unexpected-listener  unexpected listener tcp 0.0.0.0:4444 in netns host, held by /tmp/x (pid 9, root): not in the baseline
 */
export function renderCheck(source: ListeningSource, baselineFile: string, result: CheckResult, color: boolean): string {
  const count = result.violations.length;
  const verdict = count === 0 ? 'no violations' : `${count} violation${count === 1 ? '' : 's'}`;
  const lines = [`${escapeText(`check of ${sourceText(source)} against ${baselineFile}`)}: ${bold(verdict, color && count > 0)}`];
  lines.push(...alignColumns(result.violations.map((violation) => [violation.kind, violation.message]), '  '));
  const notes = result.findings.filter((finding) => finding.accepted || finding.severity !== 'high');
  if (notes.length > 0) {
    lines.push('', 'findings that do not fail the check:');
    lines.push(
      ...alignColumns(
        notes.map((finding) => [severityText(finding.severity, false), finding.kind, `${finding.accepted ? 'accepted: ' : ''}${finding.reason}`]),
        '  ',
      ),
    );
  }
  return lines.join('\n') + '\n';
}

/** `check --json`: `{ source, baseline, ok, violations, findings }`. */
export function checkJson(source: ListeningSource, baselineFile: string, result: CheckResult): string {
  return JSON.stringify({ source, baseline: baselineFile, ok: result.violations.length === 0, violations: result.violations, findings: result.findings }, null, 2) + '\n';
}

import type { DiffChange, FlowChange } from './diff-result.js';
import type { DiffReport } from './diff-report.js';

/** The contract's flow fields first, in its order, then the ones added here. */
function flowJson(flow: FlowChange): FlowChange {
  return {
    netns: flow.netns,
    family: flow.family,
    exe: flow.exe,
    remoteAddress: flow.remoteAddress,
    remotePort: flow.remotePort,
    countBefore: flow.countBefore,
    countAfter: flow.countAfter,
    netnsName: flow.netnsName,
    direction: flow.direction,
    localPort: flow.localPort,
    type: flow.type,
    path: flow.path,
    exposure: flow.exposure,
  };
}

/** The change object of docs/design.md: `section` and `severity` are presentation details and stay out. */
function changeJson(change: DiffChange): Omit<DiffChange, 'section' | 'severity'> {
  return {
    kind: change.kind,
    key: change.key,
    tags: change.tags,
    before: change.before,
    after: change.after,
    fields: change.fields,
    flow: change.flow === null ? null : flowJson(change.flow),
  };
}

/**
 * `diff --format json` (docs/design.md, "Identity across snapshots"): from, to, summary and
 * changes as the contract says, plus `warnings` (each snapshot's collection warnings) and
 * `uncompared` (namespaces left out) and `rebooted` (the boot ids differ), so a script can
 * be as careful as the text report.
 */
export function renderJson(report: DiffReport): string {
  const { from, to, result } = report;
  const document = {
    from: { id: from.id, takenAt: from.takenAt, host: from.host, label: from.label },
    to: { id: to.id, takenAt: to.takenAt, host: to.host, label: to.label },
    summary: result.summary,
    changes: result.changes.map(changeJson),
    warnings: result.warnings,
    uncompared: result.uncompared,
    rebooted: result.rebooted,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

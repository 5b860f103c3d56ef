import type { InventoryWarning } from '../model/socket-record.js';

/** One "warning: ..." line per collection warning, for stderr; "" when there are none. */
export function renderWarnings(warnings: readonly InventoryWarning[]): string {
  return warnings.map((warning) => `warning: ${warning.message}\n`).join('');
}

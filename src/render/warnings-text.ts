import type { InventoryWarning } from '../model/socket-record.js';
import { escapeText } from './escape-text.js';

/**
 * One "warning: ..." line per collection warning, for stderr; "" when there are none. A
 * warning quotes host text (a path, a malformed line), so its message is escaped.
 */
export function renderWarnings(warnings: readonly InventoryWarning[]): string {
  return warnings.map((warning) => `warning: ${escapeText(warning.message)}\n`).join('');
}

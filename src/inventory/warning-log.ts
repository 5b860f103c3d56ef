import type { InventoryWarning } from '../model/socket-record.js';

/**
 * Collection warnings, counted by kind so that 3,000 vanished fds make one warning with a
 * count, not 3,000 lines. One log per collection (never shared between runs).
 */
export class WarningLog {
  private readonly entries = new Map<string, { code: string; count: number; describe: (count: number) => string }>();

  /** Counts one occurrence; `key` separates warnings of one code (e.g. per file). */
  add(code: string, describe: (count: number) => string, key: string = code, count = 1): void {
    const entry = this.entries.get(key);
    if (entry === undefined) this.entries.set(key, { code, count, describe });
    else entry.count += count;
  }

  toArray(): InventoryWarning[] {
    return [...this.entries.values()].map(({ code, count, describe }) => ({ code, message: describe(count), count }));
  }
}

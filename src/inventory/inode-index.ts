/**
 * Positions of socket records by inode, for attaching owners: an open-addressing hash
 * table over two typed arrays. At 50,000 sockets a Map took 6 ms to fill and its 50,000
 * entries were objects for the garbage collector to copy while the scan finished; typed
 * arrays are outside the JavaScript heap.
 *
 * An inode is normally in one table only. One listed twice (an SCTP socket in both eps
 * and assocs) keeps every position, in `groups`. Inode 0 (TIME_WAIT and the like: no
 * file, so no owners) is never indexed.
 */
export class InodeIndex {
  /** the inode in each slot; 0 marks an empty slot. */
  private readonly inodes: Float64Array;
  /** per slot: the record's position, or -2 - g for the inode of groups[g]. */
  private readonly positions: Int32Array;
  private readonly mask: number;
  private readonly groups: number[][] = [];

  constructor(recordInodes: ArrayLike<number>) {
    let capacity = 16;
    while (capacity < recordInodes.length * 2) capacity *= 2; // at most half full
    this.inodes = new Float64Array(capacity);
    this.positions = new Int32Array(capacity);
    this.mask = capacity - 1;
    for (let position = 0; position < recordInodes.length; position++) {
      const inode = recordInodes[position]!;
      if (inode !== 0) this.add(inode, position);
    }
  }

  /**
   * The position of the one record with this inode (>= 0); -1 when none has it; or, when
   * several have it, -2 - g where groups(g) lists them.
   */
  lookup(inode: number): number {
    if (inode === 0) return -1; // 0 also marks empty slots
    for (let slot = this.slotOf(inode); ; slot = (slot + 1) & this.mask) {
      const held = this.inodes[slot]!;
      if (held === inode) return this.positions[slot]!;
      if (held === 0) return -1;
    }
  }

  /** Each inode listed more than once: its records' positions, ascending. */
  repeatedInodes(): readonly (readonly number[])[] {
    return this.groups;
  }

  /** The positions of every record of an inode listed more than once, ascending. */
  group(code: number): readonly number[] {
    return this.groups[-2 - code]!;
  }

  private add(inode: number, position: number): void {
    for (let slot = this.slotOf(inode); ; slot = (slot + 1) & this.mask) {
      const held = this.inodes[slot]!;
      if (held === 0) {
        this.inodes[slot] = inode;
        this.positions[slot] = position;
        return;
      }
      if (held !== inode) continue;
      const existing = this.positions[slot]!;
      if (existing >= 0) {
        this.groups.push([existing, position]);
        this.positions[slot] = -1 - this.groups.length; // -2 - (index of the new group)
      } else {
        this.groups[-2 - existing]!.push(position);
      }
      return;
    }
  }

  /** Fibonacci hashing of the inode's low and high 32 bits (inodes may exceed 2^32). */
  private slotOf(inode: number): number {
    const mixed = Math.imul((inode >>> 0) ^ Math.floor(inode / 4294967296), 0x9e3779b1);
    return (mixed ^ (mixed >>> 15)) & this.mask;
  }
}

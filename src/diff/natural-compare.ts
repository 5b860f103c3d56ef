/**
 * Text order where digit runs compare as numbers, so that ports and addresses sort the way
 * people read them. Split once with naturalParts, then compare parts with
 * compareNaturalParts (sorting tens of thousands of keys should not re-split each time).
 *
 * @example
 *   ['tcp 127.0.0.1:6379', 'tcp 127.0.0.1:11211', 'tcp 10.0.0.5:22'] sorted
 *     -> ['tcp 10.0.0.5:22', 'tcp 127.0.0.1:6379', 'tcp 127.0.0.1:11211']
 */
export function naturalParts(text: string): (string | number)[] {
  return (text.match(/\d+|\D+/g) ?? []).map((part) => (/^\d/.test(part) && part.length <= 15 ? Number(part) : part));
}

export function compareNaturalParts(a: readonly (string | number)[], b: readonly (string | number)[]): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index += 1) {
    const left = a[index]!;
    const right = b[index]!;
    if (left === right) continue;
    if (typeof left === 'number' && typeof right === 'number') return left - right;
    // a number sorts before text, as '0'-'9' sort before letters
    if (typeof left === 'number') return -1;
    if (typeof right === 'number') return 1;
    return left < right ? -1 : 1;
  }
  return a.length - b.length;
}

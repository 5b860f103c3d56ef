/**
 * Interface index -> name, for naming the interface a packet socket is bound to. The
 * per-namespace files that carry both are read: net/if_inet6 (interfaces with an IPv6
 * address) and net/igmp (interfaces with IPv4 multicast state). An interface in neither
 * keeps its `ifindex:N` label.
 */

/**
 * net/if_inet6: address, ifindex (hex), prefix length, scope, flags, name.
 *   "00000000000000000000000000000001 01 80 10 80       lo" -> 1 => "lo"
 *   "fe800000000000000257fffffee5a3b0 02 40 20 80     eth0" -> 2 => "eth0"
 */
export function parseIfInet6(text: string, into: Map<number, string>): void {
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 6) continue;
    const index = parseInt(fields[1]!, 16);
    if (Number.isInteger(index) && index > 0) into.set(index, fields[5]!);
  }
}

/**
 * net/igmp: a header, then per interface a line "Idx<TAB>Device : Count Querier" followed
 * by indented group lines.
 *   "1\tlo        :     1      V3" -> 1 => "lo"
 */
export function parseIgmp(text: string, into: Map<number, string>): void {
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('\t') || line.startsWith(' ') || line.startsWith('Idx')) continue;
    const fields = line.trim().split(/\s+/);
    const index = Number(fields[0]);
    if (Number.isInteger(index) && index > 0 && fields[1] !== undefined && fields[1] !== ':') into.set(index, fields[1]);
  }
}

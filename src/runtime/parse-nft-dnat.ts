import { arrayField, isObject, objectField, parseJsonObject, portValue, stringField } from './json-fields.js';

/** A DNAT rule as `nft -j list ruleset` shows it: what it matches and where it sends. */
export interface DnatRule {
  protocol: 'tcp' | 'udp' | 'sctp';
  /** the destination address matched (`ip daddr`), or '0.0.0.0' / '::' when it matches any. */
  hostAddress: string;
  hostPort: number;
  targetAddress: string;
  targetPort: number;
}

const PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);
const ADDRESS = /^[0-9a-fA-F:.]{2,45}$/;
/** Rules read at most (a ruleset of a million rules is read no further), and DNAT rules kept. */
const MAX_RULES = 200_000;
const MAX_DNAT = 4096;

/**
 * The DNAT rules of an nftables ruleset in libnftables' JSON (`nft -j list ruleset`, as
 * iptables-nft writes docker's `DOCKER` chain too) that send one destination port to one
 * address: a `dnat` statement with a literal address, after an `==` match of a literal
 * `tcp`/`udp`/`sctp dport` (or `th dport` with `meta l4proto`) and optionally of a literal
 * `ip`/`ip6 daddr`. Anything else (sets, maps, ranges, negations of the port or address,
 * `redirect`) is skipped: sockaudit reports only forwards it can state exactly. Text that is
 * not a ruleset gives [].
 *
 * @example
 *   parseNftDnat('{"nftables":[{"rule":{"family":"ip","table":"nat","chain":"DOCKER","expr":[
 *     {"match":{"op":"!=","left":{"meta":{"key":"iifname"}},"right":"docker0"}},
 *     {"match":{"op":"==","left":{"payload":{"protocol":"tcp","field":"dport"}},"right":8080}},
 *     {"counter":{"packets":0,"bytes":0}},
 *     {"dnat":{"addr":"172.17.0.2","port":80}}]}}]}')
 *   -> [{ protocol: 'tcp', hostAddress: '0.0.0.0', hostPort: 8080, targetAddress: '172.17.0.2', targetPort: 80 }]
 */
export function parseNftDnat(text: string): DnatRule[] {
  const entries = arrayField(parseJsonObject(text), 'nftables') ?? [];
  const rules: DnatRule[] = [];
  for (const entry of entries.slice(0, MAX_RULES)) {
    const rule = objectField(entry, 'rule');
    if (rule === null) continue;
    const found = dnatOf(rule);
    if (found !== null) rules.push(found);
    if (rules.length >= MAX_DNAT) break;
  }
  return rules;
}

function dnatOf(rule: Record<string, unknown>): DnatRule | null {
  const family = stringField(rule, 'family');
  let protocol: string | null = null;
  let l4proto: string | null = null;
  let hostPort: number | null = null;
  let hostAddress: string | null = null;
  for (const expression of arrayField(rule, 'expr') ?? []) {
    const match = objectField(expression, 'match');
    if (match !== null) {
      const left = objectField(match, 'left');
      const payload = objectField(left, 'payload');
      const meta = objectField(left, 'meta');
      const op = stringField(match, 'op') ?? '==';
      const right = isObject(match) ? match.right : undefined;
      const field = stringField(payload, 'field');
      const on = stringField(payload, 'protocol');
      if (field === 'dport' && on !== null && (PROTOCOLS.has(on) || on === 'th')) {
        if (op !== '==' || portValue(right) === null) return null; // a set or range of ports: not one forward
        protocol = on;
        hostPort = portValue(right);
      } else if (field === 'daddr' && (on === 'ip' || on === 'ip6')) {
        if (op !== '==' || typeof right !== 'string' || !ADDRESS.test(right)) return null;
        hostAddress = right;
      } else if (stringField(meta, 'key') === 'l4proto' && op === '==' && typeof right === 'string') {
        l4proto = right;
      }
      continue;
    }
    const dnat = objectField(expression, 'dnat');
    if (dnat === null) continue;
    const address = stringField(dnat, 'addr');
    if (address === null || !ADDRESS.test(address) || hostPort === null) return null;
    const resolved = protocol === 'th' ? l4proto : protocol;
    if (resolved === null || !PROTOCOLS.has(resolved)) return null;
    const ipv6 = family === 'ip6' || address.includes(':');
    return {
      protocol: resolved as DnatRule['protocol'],
      hostAddress: hostAddress ?? (ipv6 ? '::' : '0.0.0.0'),
      hostPort,
      targetAddress: address,
      targetPort: portValue(dnat.port) ?? hostPort,
    };
  }
  return null;
}

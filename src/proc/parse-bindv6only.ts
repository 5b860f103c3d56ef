/**
 * /proc/sys/net/ipv6/bindv6only: the default of IPV6_V6ONLY for new IPv6 sockets of one
 * network namespace (the namespace of the process that reads the file, whatever the path
 * it is read through). 0, Linux's default, makes a socket bound to `::` dual-stack.
 *
 * @example parseBindV6only('0\n') -> false
 * @example parseBindV6only('1\n') -> true
 * @example parseBindV6only('yes') -> null (not a sysctl value: the default stays unknown)
 */
export function parseBindV6only(text: string): boolean | null {
  const value = text.trim();
  return value === '0' ? false : value === '1' ? true : null;
}

import ipaddr from 'ipaddr.js';

/** One entry of a WeChat address list (a plain address is a range of one: /32 or /128). */
export interface IpRange {
  /** `address/prefixLength`, with the network address. */
  cidr: string;
  /** The first address of the range (the address itself for a plain IP). */
  address: string;
  prefixLength: number;
  version: 4 | 6;
}

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * A textual address as a client may send it: dotted-quad IPv4 (no octal, hex or short forms, which
 * ipaddr.js's lenient parser would accept) or IPv6; an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`,
 * what a dual-stack socket reports) becomes its IPv4 address. Undefined when it is not an address.
 */
export function parseAddress(text: string): Address | undefined {
  const trimmed = text.trim();
  if (ipaddr.IPv4.isValidFourPartDecimal(trimmed)) return ipaddr.IPv4.parse(trimmed);
  if (!ipaddr.IPv6.isValid(trimmed) || trimmed.includes('%')) return undefined;
  const v6 = ipaddr.IPv6.parse(trimmed);
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
}

function canonical(address: Address): string {
  return address.kind() === 'ipv4' ? address.toString() : (address as ipaddr.IPv6).toRFC5952String();
}

/** The canonical text of an address (`::ffff:1.2.3.4` → `1.2.3.4`), or undefined when it is not one. */
export function normaliseAddress(text: string): string | undefined {
  const address = parseAddress(text);
  return address ? canonical(address) : undefined;
}

/** An entry of a WeChat list as a range, or undefined when it is neither an address nor a CIDR range. */
export function parseIpRange(entry: string): IpRange | undefined {
  const trimmed = entry.trim();
  const slash = trimmed.indexOf('/');
  const address = parseAddress(slash < 0 ? trimmed : trimmed.slice(0, slash));
  if (!address) return undefined;
  const version = address.kind() === 'ipv4' ? 4 : 6;
  const maxPrefix = version === 4 ? 32 : 128;
  const prefixText = slash < 0 ? String(maxPrefix) : trimmed.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefixLength = Number(prefixText);
  if (prefixLength > maxPrefix) return undefined;
  const network = networkAddress(address, prefixLength);
  const first = canonical(network);
  return { cidr: `${first}/${prefixLength}`, address: first, prefixLength, version };
}

/** Every entry that parses, in list order; WeChat's lists hold nothing else, a stray entry is skipped. */
export function parseIpRanges(entries: readonly string[]): IpRange[] {
  return entries.flatMap((entry) => parseIpRange(entry) ?? []);
}

/** The first range of `ranges` that holds `address` (same IP version only). */
export function findRange(address: Address, ranges: readonly IpRange[]): IpRange | undefined {
  return ranges.find((range) => {
    const network = ipaddr.parse(range.address);
    return network.kind() === address.kind() && address.match(network, range.prefixLength);
  });
}

function networkAddress(address: Address, prefixLength: number): Address {
  const bytes = address.toByteArray();
  const masked = bytes.map((byte, index) => {
    const bits = Math.min(8, Math.max(0, prefixLength - index * 8));
    return byte & ((0xff << (8 - bits)) & 0xff);
  });
  return ipaddr.fromByteArray(masked);
}

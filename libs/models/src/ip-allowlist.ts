import { BlockList, isIP } from 'node:net';

/** Why an allowlist entry was refused; the message names the entry and the fix. */
export class InvalidCidrError extends Error {
  constructor(
    readonly input: string,
    reason: string,
  ) {
    super(`invalid allowed_ips entry "${input}": ${reason}`);
    this.name = 'InvalidCidrError';
  }
}

const MAPPED_V4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** `::ffff:10.1.2.3` → `10.1.2.3`; any other address unchanged. */
export function unmapIPv4(address: string): string {
  const mapped = MAPPED_V4.exec(address);
  return mapped ? mapped[1] : address;
}

function hostBitsSet(address: string, prefix: number, family: 4 | 6): boolean {
  const bits = family === 4 ? addressBits4(address) : addressBits6(address);
  return bits.slice(prefix).includes('1');
}

const addressBits4 = (a: string) =>
  a
    .split('.')
    .map((o) => Number(o).toString(2).padStart(8, '0'))
    .join('');

function addressBits6(a: string): string {
  const [head, tail = ''] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = a.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.map((g) => parseInt(g, 16).toString(2).padStart(16, '0')).join('');
}

/**
 * Normalizes one allowlist entry to PostgreSQL `cidr` text: bare hosts get /32 or /128,
 * IPv4-mapped IPv6 becomes IPv4 (prefix minus 96), and host bits beyond the prefix are refused
 * (as PostgreSQL would) with the network the caller probably meant.
 */
export function normalizeCidr(input: string): string {
  const trimmed = input.trim();
  const [rawAddress, rawPrefix, ...rest] = trimmed.split('/');
  if (rest.length > 0 || !rawAddress)
    throw new InvalidCidrError(input, 'expected address or address/prefix');
  let address = rawAddress.toLowerCase();
  let prefix = rawPrefix === undefined ? undefined : Number(rawPrefix);
  if (rawPrefix !== undefined && !/^\d{1,3}$/.test(rawPrefix))
    throw new InvalidCidrError(input, 'prefix must be a number');
  const unmapped = unmapIPv4(address);
  if (unmapped !== address) {
    if (prefix !== undefined && prefix < 96)
      throw new InvalidCidrError(input, 'IPv4-mapped prefix must be at least 96');
    address = unmapped;
    prefix = prefix === undefined ? undefined : prefix - 96;
  }
  const family = isIP(address);
  if (family === 0) throw new InvalidCidrError(input, 'not an IP address');
  const max = family === 4 ? 32 : 128;
  const bits = prefix ?? max;
  if (bits > max) throw new InvalidCidrError(input, `prefix must be at most ${max}`);
  if (hostBitsSet(address, bits, family as 4 | 6)) {
    throw new InvalidCidrError(input, `host bits are set beyond /${bits}`);
  }
  return `${family === 6 ? compress6(address) : address}/${bits}`;
}

/** Canonical (RFC 5952-ish) text of an IPv6 address, as PostgreSQL prints it. */
function compress6(address: string): string {
  const groups = addressBits6(address)
    .match(/.{16}/g)!
    .map((g) => parseInt(g, 2).toString(16));
  let best = { start: -1, len: 0 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len && j - i > 1) best = { start: i, len: j - i };
    i = j;
  }
  if (best.start < 0) return groups.join(':');
  const head = groups.slice(0, best.start).join(':');
  const tail = groups.slice(best.start + best.len).join(':');
  return `${head}::${tail}`;
}

/** Checks a source address against a client's allowlist in one `BlockList` lookup. */
export interface IpMatcher {
  /** True when `address` is allowed (an empty allowlist allows every address). */
  allows(address: string): boolean;
}

const ALLOW_ALL: IpMatcher = { allows: () => true };

/** Compiles normalized CIDRs into a matcher once, when a client record is loaded. */
export function compileAllowlist(cidrs: readonly string[]): IpMatcher {
  if (cidrs.length === 0) return ALLOW_ALL;
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address, prefix] = normalizeCidr(cidr).split('/');
    list.addSubnet(address, Number(prefix), isIP(address) === 6 ? 'ipv6' : 'ipv4');
  }
  return {
    allows(source: string): boolean {
      const address = unmapIPv4(source);
      const family = isIP(address);
      return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}

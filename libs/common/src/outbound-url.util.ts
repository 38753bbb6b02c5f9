import ipaddr from 'ipaddr.js';
import { isIP } from 'node:net';

/**
 * Where the platform may send requests a tenant configured (outgoing webhooks): public unicast
 * addresses only. Private, link-local (cloud metadata at 169.254.169.254), CGNAT, multicast,
 * unspecified and reserved ranges are refused, so a tenant cannot make the platform call into
 * its own network (SSRF). Loopback is allowed only outside production (local receivers in
 * development and tests). IPv4-mapped IPv6 addresses are judged as the IPv4 they carry.
 */
export function addressAllowed(address: string, allowLoopback: boolean): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  if (range === 'loopback') return allowLoopback;
  return range === 'unicast';
}

const LOOPBACK_NAMES = new Set(['localhost', 'localhost.localdomain']);

/**
 * What is wrong with an outgoing webhook URL (undefined: nothing). https, or http to loopback
 * outside production; no credentials in the URL; an IP literal must be allowed (names are
 * checked again on every delivery, against the addresses they resolve to then).
 */
export function outboundUrlProblem(raw: unknown, allowLoopback: boolean): string | undefined {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2048) return 'must be a URL of at most 2048 characters';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.username || url.password) return 'must not carry credentials';
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const loopbackName = LOOPBACK_NAMES.has(host);
  const literal = isIP(host) !== 0;
  const loopback = loopbackName || (literal && ipaddr.parse(host).range() === 'loopback');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback && allowLoopback)) {
    return allowLoopback ? 'must be https (http only to localhost outside production)' : 'must be https';
  }
  if (loopbackName && !allowLoopback) return 'must not point at this host';
  if (literal && !addressAllowed(host, allowLoopback)) return 'must not point at a private, loopback or link-local address';
  if (!literal && !loopbackName && !host.includes('.')) return 'must name a public host';
  return undefined;
}

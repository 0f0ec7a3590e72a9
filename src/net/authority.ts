import { isIP } from 'node:net';

/**
 * The `Host` header's grammar (RFC 9110 §7.2: `uri-host [ ":" port ]`), one owner for both uses: the
 * check every request passes at the HTTP entry (src/pipeline/entry.ts) and the entries of
 * GATEWAY_ALLOWED_HOSTS (src/config/setting-schemas.ts).
 */

/** A host name, an IPv4 address or a bracketed IPv6 address, lowercased, without a trailing dot. */
export interface Authority {
  host: string;
  /** Absent when the text names no port. */
  port?: number;
}

/** A DNS name (letters, digits, `-`, `_`, dots) or an IP literal, then an optional port of 1-5 digits. */
const AUTHORITY = /^(\[[0-9a-f:.]+\]|[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_.])?)(?::(\d{1,5}))?$/;

/** The text as an authority, or undefined when it is not one (`[`, `a b`, `x:99999`, `u@x`, `x/y`). */
export function parseAuthority(text: string): Authority | undefined {
  const match = AUTHORITY.exec(text.toLowerCase());
  if (!match) return undefined;
  const [, name = '', digits] = match;
  const port = digits === undefined ? undefined : Number(digits);
  if (port !== undefined && port > 65535) return undefined;
  const bracketed = name.startsWith('[');
  if (bracketed && isIP(name.slice(1, -1)) !== 6) return undefined;
  // The URL parser turns number-like names into IPv4 addresses and refuses the impossible ones (1.2.3.999).
  try {
    new URL(`http://${name}/`);
  } catch {
    return undefined;
  }
  const host = bracketed ? name : name.replace(/\.$/, '');
  if (host === '' || host.includes('..')) return undefined;
  return port === undefined ? { host } : { host, port };
}

/** Whether the host is an IP address (v4, or v6 in brackets) rather than a DNS name. */
export function isIpLiteral(host: string): boolean {
  return host.startsWith('[') || isIP(host) === 4;
}

/**
 * Whether a request's `Host` is allowed by the list: an IP literal always is (DNS rebinding needs a
 * name the attacker controls, and probes and Prometheus reach pods by address); a name when an entry
 * names it, on the entry's port when the entry has one, on any port otherwise.
 */
export function allowedBy(allowed: readonly Authority[], authority: Authority): boolean {
  if (isIpLiteral(authority.host)) return true;
  return allowed.some(
    (entry) => entry.host === authority.host && (entry.port === undefined || entry.port === authority.port),
  );
}

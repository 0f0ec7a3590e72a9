import { BadUserInputError, truncate } from '../errors.js';
import { redact } from '../redact.js';

/** Longest page URL the gateway signs; browsers and WeChat handle far longer, nobody needs them. */
export const MAX_PAGE_URL_LENGTH = 2048;

function shown(url: string): string {
  return JSON.stringify(redact(truncate(url, 80)));
}

/** True when `host` is `domain` or one of its subdomains. */
export function hostInDomain(host: string, domain: string): boolean {
  const h = host.toLowerCase();
  const d = domain.toLowerCase();
  return h === d || h.endsWith(`.${d}`);
}

/**
 * Whether a page at `host` and `port` (`''` for its scheme's default, as WHATWG URLs give it) is on a
 * `jsSdkDomains` entry: a host name, matching it and its subdomains on the scheme's default port, or
 * `host:port`, matching them on that port only (`defaultPort`, 443 or 80, is the default's number).
 */
export function pageOnDomain(host: string, port: string, entry: string, defaultPort = '443'): boolean {
  const { domain, port: entryPort } = domainEntry(entry);
  return hostInDomain(host, domain) && (entryPort === defaultPort ? '' : entryPort) === port;
}

/** A `jsSdkDomains` entry's host name and port (`''`: the scheme's default). */
function domainEntry(entry: string): { domain: string; port: string } {
  const at = entry.lastIndexOf(':');
  return at < 0 ? { domain: entry, port: '' } : { domain: entry.slice(0, at), port: entry.slice(at + 1) };
}

/** An app's rules for the pages it signs (from its apps-file entry). */
export interface PageRules {
  /** `jsSdkDomains`: the host must be one of them or a subdomain, on its port (`pageOnDomain`). */
  domains?: readonly string[] | undefined;
  /** `jsSdkHttpsOnly`: only `https://` pages. */
  httpsOnly?: boolean | undefined;
}

/**
 * The URL to sign for a page: absolute `http(s)`, at most 2,048 characters, its `#fragment` cut off
 * (WeChat signs the URL without it) and otherwise exactly as given: WeChat compares the page's own
 * `location.href.split('#')[0]`, so normalising (adding a `/` path, re-encoding) would break the match.
 * A URL whose host parsers could read differently is refused: one with userinfo (`user@`), or with a
 * backslash (WHATWG reads it as `/`, RFC 3986 parsers do not), so the host checked is the page's.
 * WeChat signs the whole URL, so a port stays in it; with `jsSdkDomains`, a port other than the
 * scheme's default is allowed only where an entry names it (`shop.example.com:8443`), so another
 * service on the same host (a preview server, an admin port) gets no signature by default.
 */
export function pageUrlToSign(url: string, rules: PageRules = {}): string {
  const { domains, httpsOnly } = rules;
  if (url.length === 0 || url.length > MAX_PAGE_URL_LENGTH) {
    throw new BadUserInputError(
      `url must be the page's absolute URL, 1 to ${MAX_PAGE_URL_LENGTH} characters (got ${url.length}).`,
    );
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (!/^https?:\/\//i.test(url) || /[\s\u0000-\u001f\u007f]/.test(url)) {
    throw new BadUserInputError(
      `url must be an absolute http:// or https:// URL without spaces, e.g. location.href.split('#')[0] (got ${shown(url)}).`,
    );
  }
  const hash = url.indexOf('#');
  const signed = hash < 0 ? url : url.slice(0, hash);
  if (signed.includes('\\')) {
    throw new BadUserInputError(
      `url must not contain a backslash: browsers and other parsers disagree on its host (got ${shown(url)}).`,
    );
  }
  const authority = signed.slice(signed.indexOf('//') + 2).split(/[/?]/, 1)[0] ?? '';
  if (authority.includes('@')) {
    throw new BadUserInputError(
      `url must not contain userinfo ("user@"): the host a reader sees is not the page's (got ${shown(url)}).`,
    );
  }
  if (httpsOnly && !/^https:/i.test(url)) {
    throw new BadUserInputError(
      `url must be an https:// page: this app signs only https pages (jsSdkHttpsOnly) (got ${shown(url)}).`,
    );
  }
  let host: string;
  let port: string;
  let defaultPort: string;
  try {
    const parsed = new URL(url);
    ({ hostname: host, port } = parsed);
    defaultPort = parsed.protocol === 'https:' ? '443' : '80';
  } catch {
    throw new BadUserInputError(`url is not a valid URL (got ${shown(url)}).`);
  }
  if (
    !domains ||
    domains.length === 0 ||
    domains.some((entry) => pageOnDomain(host, port, entry, defaultPort))
  ) {
    return signed;
  }
  const onHost = domains.filter((entry) => hostInDomain(host, domainEntry(entry).domain));
  if (onHost.length > 0) {
    throw new BadUserInputError(
      `url's ${port ? `port ${port}` : 'default port'} is not among this app's JS-SDK domains for ${JSON.stringify(host)} (${onHost.join(', ')}): an entry without a port allows the scheme's default port only. Add "${port ? `${host}:${port}` : host}" to jsSdkDomains to sign pages there.`,
    );
  }
  throw new BadUserInputError(
    `url's host ${JSON.stringify(host)} is not among this app's JS-SDK domains (${domains.join(', ')}): WeChat would refuse wx.config on that page. Sign a URL on one of them, or add the domain to jsSdkDomains and to the Official Account's JS interface safe domains.`,
  );
}

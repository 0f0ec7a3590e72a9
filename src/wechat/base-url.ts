/**
 * The rule for a WeChat API base URL (WECHAT_API_BASE, `WeChatClient` baseUrls): http(s), an origin and
 * an optional path, nothing that could carry a credential or change the request. One rule, two callers.
 */
export function baseUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL; write it as "https://host[:port]"';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `must start with https:// or http:// (got ${url.protocol})`;
  }
  if (url.search || url.hash || url.username || url.password) {
    return 'must be a plain origin (and optional path) without query, fragment or credentials (write it without user:password@, ? or #)';
  }
  return undefined;
}

/** The origin and path without trailing slashes; `raw` must have passed `baseUrlProblem`. */
export function normalizeBaseUrl(raw: string): string {
  const url = new URL(raw);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

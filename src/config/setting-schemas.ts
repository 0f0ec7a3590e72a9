import { z } from 'zod';
import { type Authority, parseAuthority } from '../net/authority.js';
import { parseHostPorts, redisUrlProblem } from '../store/redis/endpoint.js';
import { baseUrlProblem } from '../wechat/base-url.js';
import { redisKeyPrefixProblem } from './defaults.js';

/** The value checks the settings table (settings.ts) shares: each parses the trimmed text of a variable. */

export const booleanText = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** A comma-separated setting's entries, each trimmed, blanks left out (`a, b,,` is `a`, `b`). */
export function commaList(text: string): string[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

export const baseUrls = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((u) => u.trim().replace(/\/+$/, ''))
      .filter(Boolean),
  )
  .superRefine((urls, ctx) => {
    if (urls.length === 0) ctx.addIssue({ code: 'custom', message: 'expected at least one URL' });
    for (const [index, url] of urls.entries()) {
      const problem = baseUrlProblem(url);
      if (problem) ctx.addIssue({ code: 'custom', message: `URL ${index + 1} ${problem}` });
    }
  });

/** Exact origins (`scheme://host[:port]`, no path): what a browser sends in `Origin`. */
export const corsOrigins = z
  .string()
  .transform(commaList)
  .superRefine((origins, ctx) => {
    for (const [index, origin] of origins.entries()) {
      let parsed: URL | undefined;
      try {
        parsed = new URL(origin);
      } catch {
        parsed = undefined;
      }
      if (origin === '*' || !parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
        ctx.addIssue({
          code: 'custom',
          message: `origin ${index + 1} must be an exact origin such as https://shop.example.com (scheme, host, optional port; no path, no trailing slash, never *)`,
        });
      }
    }
  });

/** `host[:port]` entries, as a client writes them in `Host` (src/net/authority.ts); empty when unset. */
export const allowedHosts = z.string().transform((list, ctx) => {
  const entries = commaList(list);
  const parsed: Authority[] = [];
  for (const [index, entry] of entries.entries()) {
    const authority = parseAuthority(entry);
    if (authority) parsed.push(authority);
    else
      ctx.addIssue({
        code: 'custom',
        message: `entry ${index + 1} is not a host[:port] (a DNS name or an IP address, an optional port up to 65535; no scheme, path or *)`,
      });
  }
  return parsed;
});

export const hostPorts = z.string().transform((list, ctx) => {
  const parsed = parseHostPorts(list);
  if (!parsed) ctx.addIssue({ code: 'custom', message: 'expected host:port,host:port,…' });
  return parsed ?? [];
});

export const keyPrefix = z.string().superRefine((prefix, ctx) => {
  const problem = redisKeyPrefixProblem(prefix);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const redisUrl = z.string().superRefine((url, ctx) => {
  const problem = redisUrlProblem(url);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

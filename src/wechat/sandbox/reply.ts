import { randomRid } from './random.js';

/** What the sandbox answers to one request. */
export interface Reply {
  status: number;
  contentType: string;
  body: string;
}

export function json(body: unknown, status = 200): Reply {
  return { status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(body) };
}

/** WeChat's error shape: HTTP 200, `errmsg` ending in ` rid: <hex>-<hex>-<hex>`. */
export function wechatError(errcode: number, errmsg: string): Reply {
  return json({ errcode, errmsg: `${errmsg} rid: ${randomRid()}` });
}

/** The rid at the end of an error reply's errmsg (never one quoted inside a successful body). */
export function ridOf(reply: Reply): string | undefined {
  const body = parseObject(reply.body);
  if (!body || body.errcode === 0 || body.errcode === undefined || typeof body.errmsg !== 'string')
    return undefined;
  return /\brid:\s*([0-9a-f-]+)$/.exec(body.errmsg)?.[1];
}

export function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { inject } from 'light-my-request';

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * `fetch` in process: the request goes to the gateway's node:http handler (the whole pipeline, every
 * phase included) through light-my-request, without a socket. For tests whose subject is not the
 * transport; drain, keep-alive, slow bodies and event streams use real sockets.
 */
export function injectFetch(handle: Handler): (url: string, init?: RequestInit) => Promise<Response> {
  return async (url, init = {}) => {
    const target = new URL(url, 'http://gateway.test');
    const headers: Record<string, string> = { host: target.host };
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const body = init.body;
    if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
      throw new TypeError('injectFetch sends string and byte bodies only');
    }
    const response = await inject(handle, {
      method: (init.method ?? 'GET') as 'GET',
      url: `${target.pathname}${target.search}`,
      headers,
      ...(body === undefined || body === null ? {} : { payload: Buffer.from(body) }),
    });
    const answer = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (value === undefined) continue;
      for (const one of Array.isArray(value) ? value : [value]) answer.append(name, String(one));
    }
    const status = response.statusCode;
    const bytes = status === 204 || status === 304 ? null : new Uint8Array(response.rawPayload);
    return new Response(bytes, { status, headers: answer });
  };
}

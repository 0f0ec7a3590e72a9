import { type Agent, type IncomingHttpHeaders, request } from 'node:http';

export interface RawRequest {
  /** @default 'POST' */
  method?: string;
  /** The request target exactly as written (fetch and URL would resolve `/./` and `//`). @default the URL's path */
  path?: string;
  /** An array value is sent as repeated header lines (fetch would join them into one). */
  headers?: Record<string, string | string[]>;
  body?: string;
  /** A kept-alive agent whose socket the request may reuse. @default a new connection */
  agent?: Agent;
}

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** Whether the request went out on a socket an earlier request had used. */
  reused: boolean;
}

/**
 * One request through node:http, sent exactly as given, for the transport tests where fetch would
 * change what is sent; every other test reaches the gateway with fetch or in process (inject.ts).
 */
export function rawRequest(url: string, options: RawRequest = {}): Promise<RawAnswer> {
  const { hostname, port, pathname, search } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        path: options.path ?? `${pathname}${search}`,
        method: options.method ?? 'POST',
        headers: options.headers,
        ...(options.agent && { agent: options.agent }),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, reused: req.reusedSocket }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answeredBy } from '../support/answers.js';
import { KEYS, type ProductionGateway, startProductionGateway } from './support/production-gateway.js';

/**
 * The node:http entry (src/pipeline/entry.ts) over raw sockets: fetch and undici would fix up the
 * Host and the target a hostile client sends as it likes (issue 29, items 1(a), 7 and 8).
 */

function raw(port: number, text: string): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(text));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    const done = () => {
      const all = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = all.split('\r\n\r\n', 2);
      resolve({ status: Number(head.split(' ')[1]), head: head.toLowerCase(), body });
    };
    socket.on('close', done);
    socket.on('error', () => {});
  });
}

const get = (target: string, headers: string) =>
  `GET ${target} HTTP/1.1\r\n${headers}Connection: close\r\n\r\n`;

describe('the HTTP entry', () => {
  let gw: ProductionGateway;
  let port: number;
  beforeAll(async () => {
    gw = await startProductionGateway({
      GATEWAY_ALLOWED_HOSTS: 'gw.example.com,other.example.com:8080',
      GATEWAY_CORS_ORIGINS: 'https://shop.example.com',
    });
    port = Number(new URL(gw.url).port);
  });
  afterAll(() => gw.close());

  const malformed = [
    ['Host: [', get('/health', 'Host: [\r\n')],
    ['Host: a b', get('/health', 'Host: a b\r\n')],
    ['Host: x:99999', get('/health', 'Host: x:99999\r\n')],
    ['Host: u@x', get('/graphql', 'Host: u@x\r\n')],
    ['Host: x/graphql?', get('/health', 'Host: x/graphql?\r\n')],
    ['Host: [zz::1]', get('/health', 'Host: [zz::1]\r\n')],
    ['Host: 1.2.3.999', get('/health', 'Host: 1.2.3.999\r\n')],
    ['two Host headers', get('/health', 'Host: gw.example.com\r\nHost: evil.example\r\n')],
    ['absolute target', get('http://x/graphql', 'Host: gw.example.com\r\n')],
    ['absolute target, port', get(`http://127.0.0.1:1/graphql`, 'Host: 127.0.0.1\r\n')],
    ['asterisk', 'OPTIONS * HTTP/1.1\r\nHost: gw.example.com\r\nConnection: close\r\n\r\n'],
    ['authority form', get('example.com:80', 'Host: gw.example.com\r\n')],
    ['bad request line', 'GET /health HTTP/9.x\r\nHost: gw.example.com\r\n\r\n'],
    ['HTTP/1.1 without Host', get('/health', '')],
  ] as const;

  it.each(malformed)(
    '%s: 400 BAD_USER_INPUT as JSON with the headers and an id, no stack',
    async (_, text) => {
      const before = gw.logLines.length;
      const answer = await raw(port, text);
      expect(answer.status, answer.head).toBe(400);
      expect(answer.head).toContain('content-type: application/json');
      expect(answer.head).toContain('x-content-type-options: nosniff');
      expect(answer.head).toContain("content-security-policy: default-src 'none'");
      expect(answer.head).toMatch(/x-request-id: [0-9a-f-]{36}/);
      expect(JSON.parse(answer.body).errors[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'BAD_REQUEST',
      });
      expect(answer.body).not.toMatch(/TypeError|at |node_modules|\/work\/|\.js:/);
      expect(gw.logLines.slice(before).some((line) => line.includes('"request refused"'))).toBe(true);
    },
  );

  it('gives a Host it has seen before the same verdict, also after many new ones (the remembered Host texts)', async () => {
    const verdicts = async () => [
      (await raw(port, get('/health', 'Host: gw.example.com\r\n'))).status,
      (await raw(port, get('/health', 'Host: x:99999\r\n'))).status,
      (await raw(port, get('/health', 'Host: evil.example\r\n'))).status,
    ];
    expect(await verdicts()).toEqual([200, 400, 421]);
    // More distinct Host texts than are remembered: the remembered ones are dropped, never trusted blindly.
    for (let i = 0; i < 300; i += 30) {
      await Promise.all(
        Array.from({ length: 30 }, (_, j) => raw(port, get('/health', `Host: h${i + j}.example\r\n`))),
      );
    }
    expect(await verdicts()).toEqual([200, 400, 421]);
  });

  it('serves an HTTP/1.0 request without Host, which that version allows', async () => {
    const answer = await raw(port, 'GET /health HTTP/1.0\r\n\r\n');
    expect(answer.status, answer.head).toBe(200);
  });

  it('counts every refusal in wxgw_http_entry_errors_total by code', async () => {
    await raw(port, get('/health', 'Host: [\r\n'));
    const metrics = await raw(port, get('/metrics', 'Host: gw.example.com\r\n'));
    expect(metrics.body).toMatch(/wxgw_http_entry_errors_total\{code="BAD_REQUEST"\} [1-9]/);
  });

  it.each([
    ['evil.example', 421],
    ['EVIL.example:4000', 421],
    ['other.example.com:9090', 421],
    ['gw.example.com', 200],
    ['GW.Example.com.:4000', 200],
    ['other.example.com:8080', 200],
    ['127.0.0.1:4000', 200],
  ])('Host: %s answers %i (GATEWAY_ALLOWED_HOSTS)', async (host, status) => {
    const answer = await raw(port, get('/health', `Host: ${host}\r\n`));
    expect(answer.status).toBe(status);
    if (status === 421) {
      expect(JSON.parse(answer.body).errors[0].extensions.code).toBe('MISDIRECTED_REQUEST');
      expect(answer.head).toContain('x-request-id:');
      expect(answer.head).toContain('x-frame-options: deny');
    }
  });

  it('counts and logs a misdirected request', async () => {
    const before = gw.logLines.length;
    await raw(port, get('/ready', 'Host: rebound.example\r\n'));
    expect(gw.logLines.slice(before).join('\n')).toMatch(/"code":"MISDIRECTED_REQUEST".*"request refused"/);
    const metrics = await raw(port, get('/metrics', 'Host: gw.example.com\r\n'));
    expect(metrics.body).toMatch(/wxgw_http_entry_errors_total\{code="MISDIRECTED_REQUEST"\} [1-9]/);
  });

  it('refuses a disallowed Origin on /metrics as on /ready', async () => {
    for (const path of ['/metrics', '/ready']) {
      const answer = await raw(port, get(path, 'Host: gw.example.com\r\nOrigin: https://evil.example\r\n'));
      expect(answer.status, path).toBe(403);
      expect(answer.body).not.toContain('wxgw_');
    }
  });

  // Yoga always runs its own health check, answering an empty 200 with `x-yoga-id` to any URL that
  // ends with its endpoint (`/health` by default: `/.yoga/health`, `/x/health`, even `/graphql?x=/health`).
  it.each(['/.yoga/health', '/yoga/health', '/.yoga/health/', '/x/health', '/health/'])(
    "turns Yoga's own health check off: %s is a 404 like any unknown path",
    async (target) => {
      const answer = await raw(port, get(target, 'Host: gw.example.com\r\n'));
      const unknown = await raw(port, get('/no-such-path', 'Host: gw.example.com\r\n'));
      expect(answer.status).toBe(404);
      expect(answer.head).not.toContain('x-yoga-id');
      expect(answer.body).toBe(unknown.body);
    },
  );

  it("leaves /graphql to GraphQL whatever its query string ends with (Yoga's check matches whole URLs)", async () => {
    const answer = await raw(
      port,
      get(
        `/graphql?query=${encodeURIComponent('{ __typename }')}&x=/health`,
        `Host: gw.example.com\r\nAuthorization: Bearer ${KEYS.reader}\r\nx-graphql-csrf: 1\r\n`,
      ),
    );
    expect(answer.head).not.toContain('x-yoga-id');
    expect(JSON.parse(answer.body)).toEqual({ data: { __typename: 'Query' } });
  });

  it("leaves Yoga's own health check nothing to answer when Yoga is called directly", async () => {
    for (const path of ['/.yoga/health', '/x/health', '/graphql?x=/health']) {
      const response = await gw.gateway.yoga.fetch(`http://gw.example.com${path}`);
      expect(response.headers.get('x-yoga-id'), path).toBeNull();
    }
  });

  it.each([
    ['TRACE', '/graphql', 'GET, POST'],
    ['OPTIONS', '/graphql', 'GET, POST'],
    ['POST', '/health', 'GET, HEAD'],
    ['DELETE', '/health', 'GET, HEAD'],
    ['POST', '/ready', 'GET, HEAD'],
    ['DELETE', '/ready', 'GET, HEAD'],
    ['POST', '/metrics', 'GET, HEAD'],
  ])('%s %s without Origin: 405 with Allow: %s', async (method, path, allow) => {
    const answer = await raw(
      port,
      `${method} ${path} HTTP/1.1\r\nHost: gw.example.com\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
    );
    expect(answer.status).toBe(405);
    expect(answer.head).toContain(`allow: ${allow.toLowerCase()}`);
    expect(JSON.parse(answer.body).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('reads Content-Type case-insensitively in every phase (Yoga, the compiled phase, the answer cache)', async () => {
    const body = JSON.stringify({ query: '{ apps { appId } }' });
    const phases: string[] = [];
    for (const contentType of ['APPLICATION/JSON', 'Application/Json ; Charset=UTF-8', 'APPLICATION/JSON']) {
      const { result: answer, phase } = await answeredBy(gw.metrics, () =>
        raw(
          port,
          `POST /graphql HTTP/1.1\r\nHost: gw.example.com\r\nContent-Type: ${contentType}\r\nAuthorization: Bearer reader-key-0123456789abcdef\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
        ),
      );
      expect(answer.status, contentType).toBe(200);
      expect(JSON.parse(answer.body).data.apps).toHaveLength(1);
      phases.push(phase);
    }
    // The third is the same body from the same caller: the answer cache gives the compiled answer again.
    expect(phases).toEqual(['yoga', 'compiled', 'cache']);
  });
});

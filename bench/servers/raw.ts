import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announce, tokenStatusOf } from './shape.js';

/**
 * The limit: node:http reading the body, parsing it, and answering the JSON the gateway would answer
 * for the bench's query, with no GraphQL at all.
 */

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    let appId: string | undefined;
    let withToken = false;
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        query?: string;
        variables?: { appId?: string };
      };
      appId = body.variables?.appId;
      withToken = body.query?.includes('accessToken') === true;
    } catch {
      response.writeHead(400).end();
      return;
    }
    const { appId: id, state, expiresAt, expiresInSeconds, accessToken } = tokenStatusOf(appId);
    const payload = JSON.stringify({
      data: {
        tokenStatus: { appId: id, state, expiresAt, expiresInSeconds, ...(withToken ? { accessToken } : {}) },
      },
    });
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    response.end(payload);
  });
});
// The gateway's listen queue (src/server.ts): a burst of new connections meets the same kernel queue.
server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
  announce(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));

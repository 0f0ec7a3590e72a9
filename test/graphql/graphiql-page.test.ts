import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHIQL_OPERATIONS, graphiqlDocument } from '../../src/graphql/graphiql.js';
import { chooseEncoding } from '../../src/plugins/use-graphiql.js';
import {
  graphql,
  KEYS,
  type ProductionGateway,
  startProductionGateway,
} from '../security/support/production-gateway.js';

/** A GET with exactly these headers (fetch would decompress and add its own Accept-Encoding). */
function get(url: string, headers: Record<string, string>) {
  return new Promise<{
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: Buffer;
  }>((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const HTML = { accept: 'text/html' };

describe('the GraphiQL page', () => {
  let gw: ProductionGateway;
  let html = '';
  beforeAll(async () => {
    gw = await startProductionGateway({ GRAPHIQL: 'true' });
    html = (await get(gw.url, HTML)).body.toString();
  });
  afterAll(() => gw.close());

  const assetPaths = () =>
    [...html.matchAll(/(?:src|href)="(\/graphiql\/[^"]+)"/g)].map((m) => m[1] as string);

  it('is a small no-store page whose 9 MB of assets have hashed, immutable URLs', async () => {
    const page = await get(gw.url, HTML);
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body.length).toBeLessThan(8_000);
    const paths = assetPaths();
    // The icon, the styles, the Monaco environment, GraphiQL and its start; workers load later.
    expect(paths).toHaveLength(5);
    let total = 0;
    for (const path of paths) {
      expect(path).toMatch(/^\/graphiql\/[a-z.]+\.[0-9a-f]{12}\.(js|css|ico)$/);
      const asset = await get(`${gw.origin}${path}`, {});
      expect(asset.status).toBe(200);
      expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      total += asset.body.length;
    }
    expect(total).toBeGreaterThan(5_000_000);
    // The workers are named in the environment script, hashed the same way.
    const environment = (
      await get(`${gw.origin}${paths.find((p) => p.includes('/env.'))}`, {})
    ).body.toString();
    const workers = [...environment.matchAll(/\/graphiql\/[a-z.]+\.[0-9a-f]{12}\.js/g)].map((m) => m[0]);
    expect(workers).toHaveLength(3);
    for (const worker of workers) expect((await get(`${gw.origin}${worker}`, {})).status).toBe(200);
  });

  it('compresses with brotli or gzip as the browser accepts, to a third of the size or less', async () => {
    const app = assetPaths().find((p) => p.includes('/app.') && p.endsWith('.js')) as string;
    const plain = await get(`${gw.origin}${app}`, {});
    expect(plain.headers['content-encoding']).toBeUndefined();
    const br = await get(`${gw.origin}${app}`, { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('accept-encoding');
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
    expect(br.body.length).toBeLessThan(plain.body.length / 3);
    const gz = await get(`${gw.origin}${app}`, { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    const page = await get(gw.url, { ...HTML, 'accept-encoding': 'br' });
    expect(brotliDecompressSync(page.body).toString()).toBe(html);
  });

  it.each([
    [null, 'identity'],
    ['gzip, deflate, br, zstd', 'br'],
    ['gzip;q=1, br;q=0', 'gzip'],
    ['*', 'gzip'],
    ['deflate', 'identity'],
  ])('Accept-Encoding %j → %s', (header, encoding) => {
    expect(chooseEncoding(header)).toBe(encoding);
  });

  it('with keys, pre-fills the Headers tab with x-api-key and says so in the document', () => {
    const options = JSON.parse(
      /<script type="application\/json" id="graphiql-options">(.*?)<\/script>/s.exec(html)?.[1] ?? '{}',
    );
    expect(JSON.parse(options.headers)).toEqual({ 'x-api-key': '' });
    expect(options.defaultEditorToolsVisibility).toBe('headers');
    expect(options.defaultQuery).toBe(graphiqlDocument({ keysRequired: true, introspection: false }));
    expect(options.defaultQuery).toContain('put yours in the Headers tab');
  });

  it('an unknown asset is a 404', async () => {
    expect((await get(`${gw.origin}/graphiql/app.000000000000.js`, {})).status).toBe(404);
  });

  it('each operation of the default document runs on its own: a key without wechat:read or token:read runs TokenStatus', async () => {
    const document = graphiqlDocument({ keysRequired: true });
    const run = (operationName: string, key: string) =>
      graphql(gw.url, { query: document, operationName }, { key });
    const status = await run('TokenStatus', KEYS.statusOnly);
    expect(status.json.errors).toBeUndefined();
    expect(status.json.data.tokenStatus.state).toBeDefined();
    for (const operationName of ['AccessToken', 'CallbackIps']) {
      expect((await run(operationName, KEYS.reader)).json.errors).toBeUndefined();
    }
    expect((await run('RefreshToken', KEYS.refresher)).json.errors).toBeUndefined();
    expect(GRAPHIQL_OPERATIONS).toEqual(['TokenStatus', 'AccessToken', 'CallbackIps', 'RefreshToken']);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { type SseSubscription, subscribeSse } from '../support/sse.js';
import {
  graphql,
  KEYS,
  type ProductionGateway,
  startProductionGateway,
} from './support/production-gateway.js';

/**
 * Internal base URLs are topology: a key holder learns which base failed by position only, in the
 * GraphQL error, in `lastError` and in the `tokenEvents` ERROR event; the log line keeps the host.
 */
describe('no internal base URL reaches a caller', () => {
  let gw: ProductionGateway;
  let deadHost = '';
  let subscription: SseSubscription | undefined;

  beforeAll(async () => {
    deadHost = `127.0.0.1:${await freePort()}`;
    gw = await startProductionGateway((sandbox) => ({
      WECHAT_API_BASE: `http://${deadHost},${sandbox.url}`,
      WECHAT_TIMEOUT_MS: '500',
    }));
  });
  afterAll(async () => {
    subscription?.close();
    await gw.close();
  });

  it('says "WeChat API base N of 2" in errors, lastError and SSE events, and logs the hosts', async () => {
    const sandboxHost = new URL(gw.sandbox.url).host;
    subscription = await subscribeSse(
      gw.url,
      { query: 'subscription { tokenEvents { type code message } }' },
      { authorization: `Bearer ${KEYS.reader}` },
    );
    expect(subscription.status).toBe(200);
    await gw.sandbox.setFault({ kind: 'bad-gateway', endpoint: '/cgi-bin/stable_token' });

    const refused = await graphql(
      gw.url,
      { query: 'mutation { refreshToken(force: true) { state } }' },
      { key: KEYS.refresher },
    );
    const error = refused.json.errors[0];
    expect(error.extensions.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.message).toMatch(/WeChat API base 1 of 2 failed to connect or read \(ECONNREFUSED\)/);
    expect(error.message).toMatch(/WeChat API base 2 of 2 answered HTTP 502/);

    const status = await graphql(
      gw.url,
      { query: '{ tokenStatus { lastError { code message } } }' },
      { key: KEYS.reader },
    );
    expect(status.json.data.tokenStatus.lastError.message).toMatch(
      /WeChat API base 2 of 2 answered HTTP 502/,
    );

    let event = await subscription.next(5_000);
    while (!event.data.includes('"ERROR"')) event = await subscription.next(5_000);
    expect(event.data).toMatch(/WeChat API base 2 of 2 answered HTTP 502/);

    for (const text of [refused.text, status.text, event.data]) {
      expect(text).not.toContain(deadHost);
      expect(text).not.toContain(sandboxHost);
      expect(text).not.toMatch(/https?:\/\//);
    }
    const logged = gw.logLines.join('');
    expect(logged).toContain(deadHost);
    expect(logged).toContain(sandboxHost);
  });
});

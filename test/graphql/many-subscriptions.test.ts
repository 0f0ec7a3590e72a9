import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SseSubscription, subscribeSse } from '../support/sse.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

describe('many tokenEvents subscriptions at once', () => {
  let gw: TestGateway;
  let listening = 0;
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  beforeAll(async () => {
    // 25 keyless subscriptions from one address: over the default cap of 20 per caller.
    gw = await startTestGateway({ env: { GATEWAY_MAX_STREAMS_PER_CALLER: '25' } });
    // Counts the subscriptions that reached the token service, so the event below is heard by all.
    const subscribe = gw.tokens.subscribe.bind(gw.tokens);
    gw.tokens.subscribe = (listener) => {
      listening++;
      return subscribe(listener);
    };
    process.on('warning', onWarning);
  });
  afterAll(async () => {
    process.off('warning', onWarning);
    await gw.close();
  });

  it('25 subscribers all hear an event, with no MaxListenersExceededWarning, and all end on close', async () => {
    const subscriptions: SseSubscription[] = [];
    for (let i = 0; i < 25; i++) {
      subscriptions.push(
        await subscribeSse(gw.url, { query: 'subscription { tokenEvents { type reason } }' }),
      );
    }
    for (const subscription of subscriptions) expect(subscription.status).toBe(200);
    await expect.poll(() => listening, { timeout: 2_000 }).toBe(25);
    await gw.manager.refresh(gw.apps[0]?.appId ?? '', { force: true });
    for (const subscription of subscriptions) {
      const message = await subscription.next(2_000);
      expect(message.data).toContain('"REFRESHED"');
    }
    // Warnings are emitted on the next tick after the listener that crosses the limit.
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.map((warning) => `${warning.name}: ${warning.message}`)).toEqual([]);
    gw.gateway.endSubscriptions();
    for (const subscription of subscriptions) expect(await subscription.ended).toBe('complete');
  });
});

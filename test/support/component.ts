import type { ComponentConfig } from '../../src/config/components.js';
import type { ComponentPush } from '../../src/wechat/sandbox/component-apis.js';

/**
 * The Open Platform component the tests configure (random-free so a failure reads the same twice;
 * accepted only by the test sandbox), and a merchant account that authorizes it.
 */
export const COMPONENT: ComponentConfig = Object.freeze({
  appId: 'wxc0c0c0c0c0c0c0c0',
  appSecret: 'c0'.repeat(16),
  token: 'pushToken',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  name: 'ISV',
});

export const MERCHANT = 'wxa1a1a1a1a1a1a1a1';

/** WeChat's push, POSTed over HTTP to the gateway at `origin`, on the test component's event URL. */
export function pushTo(origin: string, push: ComponentPush): Promise<Response> {
  return fetch(`${origin}/wechat/component/${COMPONENT.appId}/events?${push.query}`, {
    method: 'POST',
    body: push.body,
  });
}

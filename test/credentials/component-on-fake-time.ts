import type { ComponentManager } from '../../src/credentials/component-manager.js';
import { WeChatClient } from '../../src/wechat/client.js';
import { ComponentApi } from '../../src/wechat/component-api.js';
import { openComponentPush } from '../../src/wechat/component-push.js';
import { MessageCrypto } from '../../src/wechat/message-crypto.js';
import type { ComponentPush } from '../../src/wechat/sandbox/component-apis.js';
import { createSandbox, type Sandbox } from '../../src/wechat/sandbox/server.js';
import { COMPONENT } from '../support/component.js';
import { CallTracker, FakeClock } from './fake-clock.js';

export interface ComponentOnFakeTime {
  clock: FakeClock;
  /** The sandbox, on `clock`'s time, accepting `COMPONENT`. */
  sandbox: Sandbox;
  /** The component API over real HTTP to the sandbox, each `authorizerToken` call told to `onAuthorizerToken` first. */
  api: ComponentApi;
  /** A push from WeChat, opened as the push endpoint opens it and handed to `manager`. */
  deliver(manager: ComponentManager, push: ComponentPush): Promise<void>;
  /** The verify ticket WeChat pushes now, delivered to `manager`. */
  pushTicket(manager: ComponentManager): Promise<void>;
  close(): Promise<void>;
}

const crypto = new MessageCrypto({ ...COMPONENT, receiveId: COMPONENT.appId });

/** A push from WeChat for `COMPONENT`, opened at `nowMs` as the push endpoint opens it, handed to `manager`. */
export async function deliverComponentPush(
  manager: ComponentManager,
  push: ComponentPush,
  nowMs: number,
): Promise<void> {
  const outcome = openComponentPush(push, {
    componentAppId: COMPONENT.appId,
    crypto,
    nowMs,
    maxAgeSeconds: 300,
  });
  if (!outcome.ok) throw new Error(`refused: ${outcome.reason}`);
  const { event } = outcome;
  if (event.infoType === 'component_verify_ticket')
    await manager.tickets.save(COMPONENT.appId, event.ticket, event.createTime);
  else await manager.onAuthorizationPush(event);
}

/**
 * `COMPONENT`'s side of WeChat on virtual time: the sandbox and the client share one FakeClock, whose
 * `advance` settles once every call in flight has been answered.
 */
export async function componentOnFakeTime(
  onAuthorizerToken: (authorizerAppId: string, now: number) => void,
): Promise<ComponentOnFakeTime> {
  const clock = new FakeClock(Date.now());
  const sandbox = await createSandbox({ apps: [], components: [COMPONENT], clock });
  const client = new WeChatClient({ baseUrls: [sandbox.url], clock });
  const tracker = new CallTracker();
  clock.settleWith = () => tracker.idle();
  const tracked = tracker.track(new ComponentApi(client));
  const api = Object.assign(Object.create(tracked) as ComponentApi, {
    authorizerToken: (...args: Parameters<ComponentApi['authorizerToken']>) => {
      onAuthorizerToken(args[2], clock.now());
      return tracked.authorizerToken(...args);
    },
  });
  const deliver = (manager: ComponentManager, push: ComponentPush) =>
    deliverComponentPush(manager, push, clock.now());
  return {
    clock,
    sandbox,
    api,
    deliver,
    pushTicket: (manager) => deliver(manager, sandbox.component.ticketPush(COMPONENT.appId, clock.now())),
    async close() {
      await client.close();
      await sandbox.close();
    },
  };
}

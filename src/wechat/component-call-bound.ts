import { Slots } from '../slots.js';
import type { ComponentWeChatApi } from './component-api.js';
import type { WeChatFrontendApi } from './frontend-endpoints.js';

/** `OPEN_PLATFORM_MAX_CONCURRENT_CALLS` when not given. */
export const DEFAULT_MAX_CONCURRENT_COMPONENT_CALLS = 16;

/**
 * The bound on upstream calls in flight per Open Platform component on this replica
 * (`OPEN_PLATFORM_MAX_CONCURRENT_CALLS`, docs/scaling.md "Renewing them"): every call made for a
 * component or one of its authorizers (component API, authorizer tokens, the authorizer list, authorizers'
 * JS-SDK tickets) takes a slot of its component; the others wait in the order they came. A slot is held
 * for one HTTP call only, never across busy backoffs or lease waits, so waiting cannot deadlock.
 */
export class ComponentCallBound {
  readonly max: number;
  readonly #gates = new Map<string, Slots>();

  constructor(max = DEFAULT_MAX_CONCURRENT_COMPONENT_CALLS) {
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`the bound on concurrent component calls must be a whole number ≥ 1 (got ${max})`);
    this.max = max;
  }

  /** Runs `call` once one of the component's slots is free. */
  async run<T>(componentAppId: string, call: () => Promise<T>): Promise<T> {
    const gate = this.#gates.get(componentAppId) ?? new Slots(this.max);
    this.#gates.set(componentAppId, gate);
    await gate.acquire();
    try {
      return await call();
    } finally {
      gate.release();
      if (gate.active === 0) this.#gates.delete(componentAppId);
    }
  }

  /** Calls in flight and waiting for the component now. */
  load(componentAppId: string): { active: number; waiting: number } {
    const gate = this.#gates.get(componentAppId);
    return { active: gate?.active ?? 0, waiting: gate?.waiting ?? 0 };
  }

  /** `api` with each of its calls bounded per the component it names. */
  componentApi(api: ComponentWeChatApi): ComponentWeChatApi {
    return {
      startPushTicket: (component) =>
        this.run(component.componentAppId, () => api.startPushTicket(component)),
      componentToken: (component, ticket) =>
        this.run(component.componentAppId, () => api.componentToken(component, ticket)),
      createPreAuthCode: (componentAppId, token) =>
        this.run(componentAppId, () => api.createPreAuthCode(componentAppId, token)),
      queryAuth: (componentAppId, token, code) =>
        this.run(componentAppId, () => api.queryAuth(componentAppId, token, code)),
      authorizerToken: (componentAppId, token, authorizerAppId, refreshToken) =>
        this.run(componentAppId, () =>
          api.authorizerToken(componentAppId, token, authorizerAppId, refreshToken),
        ),
      authorizerList: (componentAppId, token, offset, count) =>
        this.run(componentAppId, () => api.authorizerList(componentAppId, token, offset, count)),
    };
  }

  /** The ticket endpoint as the authorizers of one component call it, bounded with that component's calls. */
  ticketApi(
    componentAppId: string,
    frontend: Pick<WeChatFrontendApi, 'getTicket'>,
  ): Pick<WeChatFrontendApi, 'getTicket'> {
    return { getTicket: (...args) => this.run(componentAppId, () => frontend.getTicket(...args)) };
  }
}

import type { ComponentApis, ComponentPush } from './component-apis.js';

/**
 * WeChat's side of the push: sends each component's verify ticket to the gateway's authorization event
 * URL (`<origin>/wechat/component/<componentAppId>/events`) at once and then every `everyMs`, while the
 * component's push runs (`ComponentApis.setPushing(false)` loses it until `api_start_push_ticket`), and
 * delivers the authorization pushes the admin controls make. Real timers (unref'd): `npm run dev` only.
 */
export class TicketPusher {
  #timer: NodeJS.Timeout | undefined;
  #origin: string | undefined;

  constructor(
    private readonly component: ComponentApis,
    private readonly now: () => number,
  ) {}

  /** Starts pushing to the gateway at `origin` (its scheme, host and port); resolves once the first round was delivered. */
  async start(origin: string, everyMs: number): Promise<void> {
    this.stop();
    this.#origin = origin;
    const tick = () =>
      Promise.all(
        this.component
          .componentAppIds()
          .filter((appId) => this.component.isPushing(appId))
          .map((appId) => this.deliver(this.component.ticketPush(appId, this.now())).catch(() => undefined)),
      );
    this.#timer = setInterval(() => void tick(), everyMs);
    this.#timer.unref();
    await tick();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Sends one push as WeChat does; what the gateway answered (`success` when it took it). */
  async deliver(push: ComponentPush): Promise<string> {
    if (!this.#origin) return 'not delivered: no gateway to push to (sandbox.pushTo)';
    const url = `${this.#origin}/wechat/component/${push.componentAppId}/events?${push.query}`;
    const reply = await fetch(url, { method: 'POST', body: push.body });
    return reply.ok ? await reply.text() : `HTTP ${reply.status}`;
  }
}

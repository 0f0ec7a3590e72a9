import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../clock.js';
import type { AppCredentials } from '../endpoints.js';
import { ADMIN_PREFIX, answerAdmin } from './admin-routes.js';
import type { ComponentApis, ComponentCredentials, ComponentPush } from './component-apis.js';
import { DEMO_APP } from './demo-app.js';
import { WeChatEmulator } from './emulator.js';
import { isSandboxEndpoint, SANDBOX_ENDPOINTS, type SandboxEndpoint } from './endpoints.js';
import { type Fault, FaultBook } from './faults.js';
import { json, type Reply, wechatError } from './reply.js';
import type { SandboxControl } from './sandbox-control.js';
import type { SandboxSettings } from './settings.js';
import { TicketPusher } from './ticket-pusher.js';
import type { WeComAppCredentials } from './wecom-apis.js';

export interface SandboxOptions {
  /** Apps the sandbox accepts. @default [DEMO_APP] */
  apps?: readonly AppCredentials[];
  /** WeCom apps the sandbox accepts (an agent each, or a special secret). @default [] */
  wecomApps?: readonly WeComAppCredentials[];
  /** Open Platform components (third-party platforms) the sandbox accepts. @default [] */
  components?: readonly ComponentCredentials[];
  /** Overrides of the WeChat-like limits (settings.ts). */
  settings?: Partial<SandboxSettings>;
  /** @default 0 (a free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Inject a manual clock to test expiry and quotas without sleeping; only its `now()` is read. @default systemClock */
  clock?: Pick<Clock, 'now'>;
  /** Told of each answer to a WeChat endpoint as sent (tests note the credentials WeChat issued). @default none */
  onAnswer?: (endpoint: SandboxEndpoint, reply: Reply) => void;
}

export interface Sandbox extends SandboxControl {
  /** `http://127.0.0.1:<port>`: use it as a WeChat base URL. */
  url: string;
  port: number;
  /** The Open Platform side, in process: ticket pushes, merchants authorizing, updating and revoking. */
  component: ComponentApis;
  /** The sandbox's time (its clock's `now()`), for pushes and authorizations made in process. */
  now(): number;
  /**
   * Pushes each component's verify ticket to the gateway at `origin` now and every `everyMs` (WeChat:
   * 10 minutes), and sends the authorization pushes of the admin controls there.
   */
  pushTo(origin: string, everyMs: number): Promise<void>;
  /** Stops listening and drops every connection, hanging ones included. */
  close(): Promise<void>;
}

/** Largest request body accepted; WeChat requests are tiny. */
const MAX_BODY_BYTES = 64 * 1024;

const BAD_GATEWAY_HTML =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>stgw</center>\r\n</body>\r\n</html>\r\n';

const IP_NOT_WHITELISTED_MESSAGE = 'invalid ip 203.0.113.9 ipv6 ::ffff:203.0.113.9, not in whitelist';

/** The answer a fault gives instead of WeChat; `undefined` for a hang. */
function faultReply(fault: Fault): Reply | undefined {
  switch (fault.kind) {
    case 'busy':
      return wechatError(-1, 'system error');
    case 'daily-quota':
      return wechatError(45009, 'reach max api daily quota limit');
    case 'minute-quota':
      return wechatError(45011, 'api minute-quota reach limit  mustslower  retry next minute');
    case 'ip-not-whitelisted':
      return wechatError(40164, IP_NOT_WHITELISTED_MESSAGE);
    case 'errcode':
      return wechatError(fault.errcode as number, fault.errmsg ?? 'sandbox fault');
    case 'bad-gateway':
      return { status: 502, contentType: 'text/html', body: BAD_GATEWAY_HTML };
    case 'invalid-json':
      return { status: 200, contentType: 'application/json; charset=utf-8', body: '{"errcode":0,"ip_li' };
    case 'empty-body':
      return { status: 200, contentType: 'application/json; charset=utf-8', body: '' };
    case 'hang':
    case 'stalled-body':
    case 'latency':
      return undefined;
  }
}

function zeroCounters(): Record<SandboxEndpoint, number> {
  return Object.fromEntries(SANDBOX_ENDPOINTS.map((endpoint) => [endpoint, 0])) as Record<
    SandboxEndpoint,
    number
  >;
}

function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () =>
      resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')),
    );
    request.on('error', reject);
  });
}

function send(response: ServerResponse, reply: Reply): void {
  if (response.destroyed) return;
  response.writeHead(reply.status, { 'content-type': reply.contentType });
  response.end(reply.body);
}

/** Starts an emulated WeChat API on a real HTTP port (127.0.0.1 by default). */
export async function createSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const emulator = new WeChatEmulator({
    apps: options.apps ?? [DEMO_APP],
    ...(options.wecomApps ? { wecomApps: options.wecomApps } : {}),
    ...(options.components ? { components: options.components } : {}),
    ...(options.settings ? { settings: options.settings } : {}),
    clock: options.clock,
  });
  const faults = new FaultBook();
  let counters = zeroCounters();
  const inFlight = zeroCounters();
  let peak = zeroCounters();
  const pusher = new TicketPusher(emulator.component, () => emulator.now());
  const pushToGateway = (push: ComponentPush) => void pusher.deliver(push).catch(() => undefined);

  const control: SandboxControl = {
    addApp: (app) => emulator.addApp(app),
    appIds: () => emulator.appIds(),
    setFault: (spec) => faults.add(spec),
    faults: () => faults.list(),
    clearFaults: () => faults.clear(),
    counters: () => ({ ...counters }),
    concurrency: () => ({ inFlight: { ...inFlight }, peak: { ...peak } }),
    resetConcurrency: () => {
      peak = { ...inFlight };
    },
    rotateToken: (appId) => emulator.rotateOut(appId),
    expireToken: (appId) => emulator.expireNow(appId),
    settings: () => emulator.settings(),
    configure: (patch) => emulator.configure(patch),
    setCallbackIps: (ips) => emulator.frontend.setCallbackIps(ips),
    setCallbackUrl: (appId, url) => {
      emulator.requireApp(appId);
      emulator.frontend.setCallbackUrl(appId, url);
    },
    validTickets: (appId, type) => emulator.frontend.validTickets(appId, type, emulator.now()),
    addWeComApp: (app) => emulator.wecom.addApp(app),
    endWeComToken: (appId, how) =>
      how === 'expire'
        ? emulator.wecom.expire(appId, emulator.now())
        : emulator.wecom.invalidate(appId, emulator.now()),
    setWeComTrusted: (appId, trusted) => emulator.wecom.setTrusted(appId, trusted),
    validWeComTickets: (appId, type) => emulator.wecom.validTickets(appId, type, emulator.now()),
    reset: () => {
      emulator.reset();
      faults.clear();
      counters = zeroCounters();
      peak = { ...inFlight };
    },
    setTicketPush: (componentAppId, running) => emulator.component.setPushing(componentAppId, running),
    addAuthorizers: (componentAppId, count) =>
      emulator.component.addAuthorizers(componentAppId, count, emulator.now()),
    authorizeComponent: (componentAppId, appId, update) =>
      pushToGateway(emulator.component.authorize(componentAppId, appId, emulator.now(), update).push),
    revokeComponent: (componentAppId, appId) =>
      pushToGateway(emulator.component.revoke(componentAppId, appId, emulator.now())),
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://sandbox');
    const method = request.method ?? 'GET';
    const body = await readBody(request);
    if (body === undefined) return send(response, json({ error: 'request body too large' }, 413));
    if (url.pathname.startsWith(ADMIN_PREFIX))
      return send(response, answerAdmin(control, method, url.pathname, body));
    if (!isSandboxEndpoint(url.pathname)) {
      return send(response, { status: 404, contentType: 'text/plain', body: `not found: ${url.pathname}` });
    }
    const endpoint = url.pathname;
    const startedAt = performance.now();
    counters[endpoint] += 1;
    inFlight[endpoint] += 1;
    peak[endpoint] = Math.max(peak[endpoint], inFlight[endpoint]);
    response.once('close', () => {
      inFlight[endpoint] -= 1;
    });
    const { delayMs, fault } = faults.take(endpoint);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    // Both leave the connection open until the client gives up or close() drops it.
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'stalled-body') {
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      response.write('{"errcode":0,');
      return;
    }
    const sandboxRequest = { method, endpoint, query: url.searchParams, body };
    const reply = (fault ? faultReply(fault) : undefined) ?? emulator.answer(sandboxRequest);
    emulator.record(sandboxRequest, reply, {
      costInMs: performance.now() - startedAt,
      clientIp: request.socket.remoteAddress ?? '',
    });
    options.onAnswer?.(endpoint, reply);
    send(response, reply);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      send(response, json({ error: `sandbox failure: ${(error as Error).message}` }, 500));
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  return {
    ...control,
    url: `http://${host}:${port}`,
    port,
    component: emulator.component,
    now: () => emulator.now(),
    pushTo: (origin, everyMs) => pusher.start(origin, everyMs),
    close: () =>
      new Promise<void>((resolve, reject) => {
        pusher.stop();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

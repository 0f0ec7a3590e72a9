import type { AppCredentials } from '../endpoints.js';
import type { FaultSpec } from './faults.js';
import { SandboxInputError } from './input-error.js';
import { json, type Reply } from './reply.js';
import type { SandboxControl } from './sandbox-control.js';
import type { SandboxSettings } from './settings.js';
import type { WeComAppCredentials } from './wecom-apis.js';

/** The admin API under `/__sandbox/` (docs/sandbox.md): the same operations as `SandboxControl`, as JSON. */

export const ADMIN_PREFIX = '/__sandbox/';

interface Route {
  method: string;
  pattern: RegExp;
  run: (control: SandboxControl, params: string[], body: unknown) => Reply;
}

/** `wecom/apps/<corpId>/<agentId|secretName>/<action>`: a WeCom app id holds one "/". */
function wecomAppRoute(action: string): RegExp {
  return new RegExp(`^wecom\\/apps\\/(w[wx][0-9a-f]{16}\\/[a-z0-9-]{1,32})\\/${action}$`);
}

const NO_CONTENT: Reply = { status: 204, contentType: 'text/plain', body: '' };

const ROUTES: readonly Route[] = [
  { method: 'GET', pattern: /^apps$/, run: (c) => json({ appIds: c.appIds() }) },
  {
    method: 'POST',
    pattern: /^apps$/,
    run: (c, _p, body) => {
      const app = body as AppCredentials;
      c.addApp(app);
      return json({ appId: app.appId }, 201);
    },
  },
  {
    method: 'POST',
    pattern: /^apps\/([^/]+)\/rotate$/,
    run: (c, [appId]) => {
      c.rotateToken(appId as string);
      return NO_CONTENT;
    },
  },
  {
    method: 'POST',
    pattern: /^apps\/([^/]+)\/expire$/,
    run: (c, [appId]) => {
      c.expireToken(appId as string);
      return NO_CONTENT;
    },
  },
  {
    method: 'PUT',
    pattern: /^apps\/([^/]+)\/callback-url$/,
    run: (c, [appId], body) => {
      c.setCallbackUrl(appId as string, (body as { url?: string | null }).url ?? null);
      return NO_CONTENT;
    },
  },
  {
    method: 'GET',
    pattern: /^apps\/([^/]+)\/tickets$/,
    run: (c, [appId]) =>
      json({
        jsapi: c.validTickets(appId as string, 'jsapi'),
        wx_card: c.validTickets(appId as string, 'wx_card'),
      }),
  },
  {
    method: 'POST',
    pattern: /^wecom\/apps$/,
    run: (c, _p, body) => json({ appId: c.addWeComApp(body as WeComAppCredentials) }, 201),
  },
  {
    method: 'POST',
    pattern: wecomAppRoute('(invalidate|expire)'),
    run: (c, [appId, how]) => {
      c.endWeComToken(appId as string, how as 'invalidate' | 'expire');
      return NO_CONTENT;
    },
  },
  {
    method: 'PUT',
    pattern: wecomAppRoute('trusted'),
    run: (c, [appId], body) => {
      c.setWeComTrusted(appId as string, (body as { trusted?: unknown }).trusted === true);
      return NO_CONTENT;
    },
  },
  {
    method: 'GET',
    pattern: wecomAppRoute('tickets'),
    run: (c, [appId]) =>
      json({
        jsapi: c.validWeComTickets(appId as string, 'jsapi'),
        agent_config: c.validWeComTickets(appId as string, 'agent_config'),
      }),
  },
  {
    method: 'PUT',
    pattern: /^callback-ips$/,
    run: (c, _p, body) => json({ ips: c.setCallbackIps((body as { ips?: string[] }).ips as string[]) }),
  },
  {
    method: 'POST',
    pattern: /^components\/([^/]+)\/push$/,
    run: (c, [componentAppId], body) => {
      c.setTicketPush(componentAppId as string, (body as { running?: boolean }).running !== false);
      return NO_CONTENT;
    },
  },
  {
    method: 'POST',
    pattern: /^components\/([^/]+)\/authorizers$/,
    run: (c, [componentAppId], body) => {
      const appIds = c.addAuthorizers(
        componentAppId as string,
        (body as { count?: unknown }).count as number,
      );
      return json({ created: appIds.length, appIds }, 201);
    },
  },
  {
    method: 'POST',
    pattern: /^components\/([^/]+)\/authorizers\/([^/]+)$/,
    run: (c, [componentAppId, appId], body) => {
      c.authorizeComponent(
        componentAppId as string,
        appId as string,
        (body as { update?: boolean }).update === true,
      );
      return json(
        { pushed: (body as { update?: boolean }).update === true ? 'updateauthorized' : 'authorized' },
        202,
      );
    },
  },
  {
    method: 'DELETE',
    pattern: /^components\/([^/]+)\/authorizers\/([^/]+)$/,
    run: (c, [componentAppId, appId]) => {
      c.revokeComponent(componentAppId as string, appId as string);
      return json({ pushed: 'unauthorized' }, 202);
    },
  },
  { method: 'GET', pattern: /^faults$/, run: (c) => json({ faults: c.faults() }) },
  { method: 'POST', pattern: /^faults$/, run: (c, _p, body) => json(c.setFault(body as FaultSpec), 201) },
  {
    method: 'DELETE',
    pattern: /^faults$/,
    run: (c) => {
      c.clearFaults();
      return NO_CONTENT;
    },
  },
  { method: 'GET', pattern: /^counters$/, run: (c) => json({ counters: c.counters() }) },
  { method: 'GET', pattern: /^concurrency$/, run: (c) => json(c.concurrency()) },
  {
    method: 'DELETE',
    pattern: /^concurrency$/,
    run: (c) => {
      c.resetConcurrency();
      return NO_CONTENT;
    },
  },
  { method: 'GET', pattern: /^config$/, run: (c) => json(c.settings()) },
  {
    method: 'PATCH',
    pattern: /^config$/,
    run: (c, _p, body) => json(c.configure(body as Partial<SandboxSettings>)),
  },
  {
    method: 'POST',
    pattern: /^reset$/,
    run: (c) => {
      c.reset();
      return NO_CONTENT;
    },
  },
];

export function answerAdmin(control: SandboxControl, method: string, path: string, rawBody: string): Reply {
  const rest = path.slice(ADMIN_PREFIX.length);
  const matching = ROUTES.filter((route) => route.pattern.test(rest));
  const route = matching.find((candidate) => candidate.method === method);
  if (!route) {
    const allowed = matching.map((candidate) => candidate.method).join(', ');
    return matching.length > 0
      ? json({ error: `${method} is not supported on ${path}; use ${allowed}` }, 405)
      : json({ error: `no admin route ${path}; see docs/sandbox.md` }, 404);
  }
  try {
    const body = rawBody.trim() === '' ? {} : (JSON.parse(rawBody) as unknown);
    const params = (route.pattern.exec(rest) ?? []).slice(1).map(decodeURIComponent);
    return route.run(control, params, body);
  } catch (error) {
    if (error instanceof SandboxInputError || error instanceof SyntaxError) {
      return json({ error: error.message }, 400);
    }
    throw error;
  }
}

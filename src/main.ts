import { assertKeysForConfiguredApps } from './auth/api-keys.js';
import type { ComponentConfig } from './config/components.js';
import { appFromEntry } from './config/files.js';
import { type AppConfig, type Config, ConfigError, loadConfig } from './config/index.js';
import { exitAfterFlush } from './logger.js';
import { DEMO_APP, DEMO_AUTHORIZERS, DEMO_COMPONENT, DEMO_WECOM_APP } from './wechat/sandbox/demo-app.js';
import type { Sandbox } from './wechat/sandbox/server.js';

/**
 * `npm run dev` / `npm start`: config → (sandbox in development without apps) → WeChat client → store
 * → token manager → gateway. SIGINT/SIGTERM drain and close in order, SIGHUP reloads WECHAT_APPS_FILE
 * (src/lifecycle/gateway-lifecycle.ts, docs/operations.md). The layers are mapped in docs/architecture.md.
 */

/**
 * The source entry (`npm run dev`: tsx src/main.ts) runs as development unless NODE_ENV says otherwise,
 * the built one (`npm start`: node dist/main.js) as production, so the README's production line never
 * serves an open development gateway by accident.
 */
const defaultNodeEnv = import.meta.url.endsWith('.ts') ? 'development' : 'production';

function readConfig(): Config {
  try {
    const config = loadConfig(process.env, { defaultNodeEnv });
    // Without apps, the sandbox's demo apps are the only ones: a key limited to another would serve nothing.
    if (config.apps.length === 0) {
      assertKeysForConfiguredApps(
        config.auth.apiKeys,
        [DEMO_APP.appId, demoWeComAppId()],
        (i) => `API key ${i + 1} (counting GATEWAY_API_KEYS, then GATEWAY_API_KEYS_FILE)`,
      );
    }
    return config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

interface Upstream {
  apps: AppConfig[];
  /** The Open Platform components: the configured ones, or the sandbox's demo component. */
  components: ComponentConfig[];
  baseUrls: string[];
  /** WeCom's (qyapi); the sandbox answers both on one URL. */
  wecomBaseUrls: string[];
  /** What an omitted `appId` means beside the demo WeCom app: the demo Official Account. */
  defaultAppId?: string;
  sandbox?: Sandbox;
}

/** The demo WeCom app's id, `<corpId>/<agentId>`. */
function demoWeComAppId(): string {
  return `${DEMO_WECOM_APP.corpId}/${DEMO_WECOM_APP.agentId}`;
}

/** Without configured apps (never in production: loadConfig refuses that), run the embedded sandbox. */
async function chooseUpstream(config: Config): Promise<Upstream> {
  if (config.apps.length > 0)
    return {
      apps: config.apps,
      components: config.components,
      baseUrls: config.wechat.baseUrls,
      wecomBaseUrls: config.wechat.wecomBaseUrls,
    };
  const demoComponent = config.components.length === 0;
  const { createSandbox } = await import('./wechat/sandbox/server.js');
  // The demo WeCom app answers on qyapi's paths of the same sandbox (docs/sandbox.md).
  const sandbox = await createSandbox({
    apps: [DEMO_APP],
    wecomApps: [DEMO_WECOM_APP],
    ...(demoComponent && { components: [DEMO_COMPONENT] }),
  });
  const demoWeCom = appFromEntry({ kind: 'wecom', ...DEMO_WECOM_APP }, config.wechat.tokenMode);
  return {
    apps: [{ ...DEMO_APP, tokenMode: config.wechat.tokenMode }, demoWeCom],
    defaultAppId: DEMO_APP.appId,
    components: demoComponent ? [{ ...DEMO_COMPONENT }] : config.components,
    baseUrls: [sandbox.url],
    wecomBaseUrls: [sandbox.url],
    sandbox,
  };
}

/**
 * The sandbox acts as WeChat for the demo component: it pushes a verify ticket to this gateway now and
 * every SANDBOX_TICKET_PUSH_SECONDS (default 600, as WeChat), then the two demo accounts authorize it.
 */
async function startDemoPushes(sandbox: Sandbox, url: string): Promise<void> {
  const raw = process.env.SANDBOX_TICKET_PUSH_SECONDS ?? '600';
  const seconds = /^\d{1,6}$/.test(raw) && Number(raw) > 0 ? Number(raw) : 600;
  if (String(seconds) !== raw && process.env.SANDBOX_TICKET_PUSH_SECONDS !== undefined)
    logger.warn(`SANDBOX_TICKET_PUSH_SECONDS must be whole seconds above 0; got "${raw}", using 600.`);
  await sandbox.pushTo(new URL(url).origin, seconds * 1000);
  for (const appId of DEMO_AUTHORIZERS) sandbox.authorizeComponent(DEMO_COMPONENT.appId, appId, false);
  logger.info(
    { component: DEMO_COMPONENT.appId, authorizers: DEMO_AUTHORIZERS, everySeconds: seconds },
    `The sandbox pushes verify tickets for the demo component ${DEMO_COMPONENT.appId} every ${seconds} s; demo authorizers ${DEMO_AUTHORIZERS.join(', ')} (docs/sandbox.md).`,
  );
}

/** What an operator checks first: the mode, the store, how many apps and keys; loudly, when no key guards it. */
function logStartup(url: string): void {
  const mode = config.nodeEnv;
  const apps = upstream.apps.length;
  const apiKeys = config.auth.apiKeys.length;
  logger.info(
    { url, mode, store: store.kind, apps, apiKeys },
    `wxtoken-gateway listening on ${url} (${mode} mode, ${apps} app(s), ${store.kind} store, ${apiKeys} API key(s))`,
  );
  if (apiKeys > 0) return;
  logger.warn(
    { mode, apiKeys },
    mode === 'development'
      ? 'NO API KEYS: every caller holds every scope, token:read included (development). Set GATEWAY_API_KEYS (`npm run keygen`) to require keys.'
      : 'NO API KEYS: this gateway is OPEN (GATEWAY_ALLOW_ANONYMOUS=true): every caller holds every scope, token:read included. Set GATEWAY_API_KEYS (`npm run keygen`) unless that is what you want.',
  );
}

/** A port in use or a HOST not of this machine is a setting to fix: one line, exit 1, as for config. */
async function listenOrExit(): Promise<string> {
  try {
    return await gateway.listen(config.port, config.host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code !== 'string') throw error;
    process.stderr.write(
      `Cannot listen on ${config.host}:${config.port} (${code}). Fix: set PORT to a free port and HOST to an address of this machine.\n`,
    );
    exitAfterFlush(logger, 1);
    // Nothing runs after this: the process exits once its log lines are written.
    return new Promise<never>(() => {});
  }
}

const config = readConfig();
// The gateway's modules load once the configuration holds: a setting to fix is answered at once.
const [{ buildGateway }, { manageGatewayLifecycle }] = await Promise.all([
  import('./build-gateway.js'),
  import('./lifecycle/gateway-lifecycle.js'),
]);
const upstream = await chooseUpstream(config);
const built = await buildGateway(
  { ...config, apps: upstream.apps, components: upstream.components },
  {
    upstream: {
      baseUrls: upstream.baseUrls,
      wecomBaseUrls: upstream.wecomBaseUrls,
      ...(upstream.defaultAppId && { defaultAppId: upstream.defaultAppId }),
    },
  },
);
const { gateway, tokens, store, logger, metrics, createManager } = built;
for (const warning of config.warnings) logger.warn(warning);
if (upstream.sandbox) {
  logger.warn(
    { sandbox: upstream.sandbox.url, appId: DEMO_APP.appId, wecomAppId: demoWeComAppId() },
    `No WeChat app configured: using the embedded sandbox at ${upstream.sandbox.url} with the demo app ${DEMO_APP.appId} (the default when appId is omitted) and the demo WeCom app ${demoWeComAppId()} (docs/sandbox.md). Set WECHAT_APP_ID and WECHAT_APP_SECRET to use real WeChat.`,
  );
}
built.start();
const { sandbox } = upstream;
/**
 * `npm run dev` is `tsx` with the gateway as its child: closing the terminal hangs up both, tsx dies,
 * and the gateway, orphaned, would take that SIGHUP for a reload and stay on its port. In development
 * a SIGHUP after the parent is gone stops it. Production runs `node` directly (PID 1 in a container).
 */
const parentAtStart = process.ppid;
const parentGone = config.nodeEnv === 'development' ? () => process.ppid !== parentAtStart : undefined;
// Signals are handled before the start-up line: a supervisor may send SIGTERM as soon as it reads it.
manageGatewayLifecycle({
  server: gateway.server,
  tokens,
  createManager,
  apps: upstream.apps,
  appsFile: config.appsFile ? { path: config.appsFile, defaultMode: config.wechat.tokenMode } : undefined,
  beforeDrain: () => gateway.endSubscriptions(),
  closers: [
    { name: 'close the gateway (engines, store, client)', close: () => built.close() },
    ...(sandbox ? [{ name: 'close sandbox', close: () => sandbox.close() }] : []),
  ],
  shutdownTimeoutMs: config.shutdownTimeoutMs,
  logger,
  metrics,
  ...(parentGone ? { parentGone } : {}),
  exit: (code) => exitAfterFlush(logger, code),
});
const url = await listenOrExit();
logStartup(url);
if (sandbox && upstream.components.some((c) => c.appId === DEMO_COMPONENT.appId))
  await startDemoPushes(sandbox, url);
if (config.graphql.graphiql) logger.info(`GraphiQL: ${url}`);

import { createLogger } from '../../logger.js';
import { DEMO_APP, DEMO_WECOM_APP } from './demo-app.js';
import { createSandbox } from './server.js';
import { wecomAppId } from './wecom-apis.js';

/** `npm run sandbox`: the WeChat emulator alone, with the demo app, on 127.0.0.1:SANDBOX_PORT. */

const logger = createLogger({ pretty: process.stdout.isTTY, level: process.env.LOG_LEVEL ?? 'info' });

const rawPort = process.env.SANDBOX_PORT ?? '4100';
if (!/^\d+$/.test(rawPort) || Number(rawPort) > 65_535) {
  logger.fatal(`SANDBOX_PORT must be a port number (0-65535), e.g. SANDBOX_PORT=4100; got "${rawPort}"`);
  process.exit(1);
}

/** A port in use is a setting to fix, as for the gateway: one line and exit 1, not a stack. */
async function listenOrExit() {
  try {
    return await createSandbox({ apps: [DEMO_APP], wecomApps: [DEMO_WECOM_APP], port: Number(rawPort) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code !== 'string') throw error;
    process.stderr.write(
      `Cannot listen on 127.0.0.1:${rawPort} (${code}). Fix: set SANDBOX_PORT to a free port, e.g. SANDBOX_PORT=4101.\n`,
    );
    process.exit(1);
  }
}

const sandbox = await listenOrExit();
logger.info(
  {
    url: sandbox.url,
    appId: DEMO_APP.appId,
    wecomAppId: wecomAppId(DEMO_WECOM_APP),
    admin: `${sandbox.url}/__sandbox/`,
  },
  `WeChat sandbox listening on ${sandbox.url} (demo appId ${DEMO_APP.appId}, demo WeCom app ${wecomAppId(DEMO_WECOM_APP)}; see docs/sandbox.md)`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info(`${signal}: closing the sandbox`);
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

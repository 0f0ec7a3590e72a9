import type { Server } from 'node:http';
import type { AppConfig, TokenMode } from '../config/index.js';
import type { TokenService } from '../credentials/types.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { drainHttpServer } from './drain-http.js';
import { reloadApps } from './reload-apps.js';
import { runShutdown, type ShutdownStep } from './shutdown.js';
import { handleSignals, type SignalSource } from './signals.js';
import type { SwappableTokenService } from './swappable-token-service.js';

/** A token manager with its background timers (`TokenManager`). */
export interface ManagedTokenService extends TokenService {
  start(): void;
  /** Stops the timers and waits (bounded) for fetches in flight, which release their locks. */
  stop(): Promise<void>;
}

export interface GatewayLifecycleOptions {
  /** The gateway's HTTP server (drained first on shutdown). */
  server: Server;
  /** The service the gateway was built with; its manager is swapped on reload. */
  tokens: SwappableTokenService<ManagedTokenService>;
  /** Builds a manager for an apps list (SIGHUP reload); it shares the store of the first one. */
  createManager(apps: AppConfig[]): ManagedTokenService;
  /** The apps in force at start. */
  apps: AppConfig[];
  /** WECHAT_APPS_FILE and WECHAT_TOKEN_MODE; without a file, SIGHUP has nothing to reload. */
  appsFile: { path: string; defaultMode: TokenMode } | undefined;
  /** Called as the drain starts: ends long-lived responses (subscriptions), which would hold it up to its deadline. */
  beforeDrain?: () => void;
  /** Closing steps after the drain, in order: e.g. close Redis, close undici, dispose Yoga. */
  closers: { name: string; close(): Promise<unknown> }[];
  /** How long requests in flight may take to finish (SHUTDOWN_TIMEOUT_MS). */
  shutdownTimeoutMs: number;
  /** Bound of each closing step after the drain. @default 5000 */
  closeTimeoutMs?: number;
  logger: Logger;
  metrics?: GatewayMetrics;
  /** @default process.exit */
  exit?: (code: number) => void;
  /** @default process */
  signals?: SignalSource;
  /** Whether the parent process is gone: a SIGHUP then stops the gateway (`handleSignals`). @default () => false */
  parentGone?: () => boolean;
}

export interface GatewayLifecycle {
  /** Drains and closes everything; true when every step was clean. */
  shutdown(): Promise<boolean>;
  /** Re-reads the apps file; true when it is in force. */
  reload(): Promise<boolean>;
  /** Removes the signal handlers. */
  uninstall(): void;
}

/**
 * Signals for a running gateway. SIGTERM/SIGINT: stop accepting, let requests in flight finish
 * (bounded by `shutdownTimeoutMs`), stop the manager (its timers and fetches, which release their
 * locks), then the closers in order; exit 0 when all was clean. SIGHUP: re-read the apps file and
 * swap in a manager for the new list (tokens stay in the shared store, so nothing is fetched anew).
 */
export function manageGatewayLifecycle(options: GatewayLifecycleOptions): GatewayLifecycle {
  const { logger, tokens } = options;
  let apps = options.apps;
  const closeTimeoutMs = options.closeTimeoutMs ?? 5000;

  const shutdown = async (): Promise<boolean> => {
    const steps: ShutdownStep[] = [
      {
        name: 'drain http',
        // The drain cuts what is left at the deadline itself; the extra second is for that to happen.
        timeoutMs: options.shutdownTimeoutMs + 1000,
        run: async () => {
          options.beforeDrain?.();
          if (!(await drainHttpServer(options.server, { timeoutMs: options.shutdownTimeoutMs }))) {
            throw new Error(`requests still running after ${options.shutdownTimeoutMs} ms were cut`);
          }
        },
      },
      {
        name: 'stop token manager',
        timeoutMs: closeTimeoutMs,
        run: () => tokens.current.stop(),
      },
      ...options.closers.map((closer) => ({
        name: closer.name,
        timeoutMs: closeTimeoutMs,
        run: closer.close,
      })),
    ];
    return (await runShutdown(steps, logger)).clean;
  };

  const file = options.appsFile;
  const reload = async (): Promise<boolean> => {
    if (!file) return false;
    return reloadApps({
      path: file.path,
      defaultMode: file.defaultMode,
      current: () => apps,
      logger,
      onOutcome: (outcome) => options.metrics?.observeConfigReload(outcome),
      async apply(next) {
        const manager = options.createManager(next);
        const previous = tokens.swap(manager);
        apps = next;
        manager.start();
        await previous.stop();
      },
    });
  };

  const uninstall = handleSignals({
    shutdown,
    reload: file ? async () => void (await reload()) : undefined,
    logger,
    exit: options.exit,
    source: options.signals,
    ...(options.parentGone ? { parentGone: options.parentGone } : {}),
  });
  return { shutdown, reload, uninstall };
}

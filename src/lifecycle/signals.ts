import { type Logger, silentLogger } from '../logger.js';
import { errorText } from '../redact.js';

/** The part of `process` the handlers use (tests pass an EventEmitter). */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

export interface SignalHandlerOptions {
  /** Drains and closes everything; resolves to true when the drain was clean. */
  shutdown(): Promise<boolean>;
  /** Re-reads the configuration (SIGHUP); left out when there is nothing to reload (SIGHUP then stops). */
  reload?: () => Promise<void>;
  /**
   * Whether the process that started this one is gone (development: `tsx` died with its terminal).
   * Asked on SIGHUP and once more a second later: a hang-up that orphaned the gateway stops it
   * instead of reloading. @default () => false
   */
  parentGone?: () => boolean;
  /** @default process.exit */
  exit?: (code: number) => void;
  /** @default process */
  source?: SignalSource;
  logger?: Logger;
}

const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
/** How long after a SIGHUP the parent is looked for once more (it dies of the same hang-up). */
const PARENT_RECHECK_MS = 1000;

/**
 * SIGTERM/SIGINT: graceful shutdown, then exit 0 when clean (1 otherwise); a second one while
 * draining exits 1 at once (an operator pressing Ctrl-C twice means it). SIGHUP: reload, one at a
 * time (a SIGHUP during a reload runs one more afterwards, so the latest file always wins); with
 * nothing to reload, or once the parent is gone, SIGHUP means what it means to any process (the
 * terminal was closed): the same graceful shutdown as SIGTERM, so nothing is left orphaned on its port.
 * Returns a function that removes the handlers.
 */
export function handleSignals(options: SignalHandlerOptions): () => void {
  const source = options.source ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const logger = options.logger ?? silentLogger;
  let stopping = false;
  let reloading: Promise<void> | undefined;
  let reloadAgain = false;

  const parentGone = options.parentGone ?? (() => false);
  const stop = (signal: NodeJS.Signals, why?: string) => () => {
    if (stopping) {
      logger.warn({ signal }, 'second stop signal: exiting now without draining');
      exit(1);
      return;
    }
    stopping = true;
    logger.info({ signal, ...(why ? { why } : {}) }, 'stop signal: draining requests, then exiting');
    options.shutdown().then(
      (clean) => {
        logger.info({ clean }, clean ? 'shutdown complete' : 'shutdown finished with steps cut short');
        exit(clean ? 0 : 1);
      },
      (error: unknown) => {
        logger.error({ err: errorText(error) }, 'shutdown failed');
        exit(1);
      },
    );
  };

  const reload = async (): Promise<void> => {
    do {
      reloadAgain = false;
      // Logging what went wrong is the reload's job; a rejection here must not kill the process.
      await options.reload?.().catch(() => undefined);
    } while (reloadAgain && !stopping);
  };
  const hangUp = stop('SIGHUP', 'nothing to reload (WECHAT_APPS_FILE is not set)');
  const orphaned = stop('SIGHUP', 'the parent process is gone (its terminal was closed)');
  let recheck: NodeJS.Timeout | undefined;
  const onHangup = () => {
    if (stopping) return;
    if (!options.reload) {
      hangUp();
      return;
    }
    if (parentGone()) {
      orphaned();
      return;
    }
    clearTimeout(recheck);
    recheck = setTimeout(() => {
      if (!stopping && parentGone()) orphaned();
    }, PARENT_RECHECK_MS);
    recheck.unref();
    if (reloading) {
      reloadAgain = true;
      return;
    }
    reloading = reload().finally(() => {
      reloading = undefined;
    });
  };

  const handlers = STOP_SIGNALS.map((signal) => [signal, stop(signal)] as const);
  for (const [signal, handler] of handlers) source.on(signal, handler);
  source.on('SIGHUP', onHangup);
  return () => {
    clearTimeout(recheck);
    for (const [signal, handler] of handlers) source.off(signal, handler);
    source.off('SIGHUP', onHangup);
  };
}

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
  /** Re-reads the configuration (SIGHUP); left out when there is nothing to reload. */
  reload?: () => Promise<void>;
  /** @default process.exit */
  exit?: (code: number) => void;
  /** @default process */
  source?: SignalSource;
  logger?: Logger;
}

const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * SIGTERM/SIGINT: graceful shutdown, then exit 0 when clean (1 otherwise); a second one while
 * draining exits 1 at once (an operator pressing Ctrl-C twice means it). SIGHUP: reload, one at a
 * time (a SIGHUP during a reload runs one more afterwards, so the latest file always wins).
 * Returns a function that removes the handlers.
 */
export function handleSignals(options: SignalHandlerOptions): () => void {
  const source = options.source ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const logger = options.logger ?? silentLogger;
  let stopping = false;
  let reloading: Promise<void> | undefined;
  let reloadAgain = false;

  const stop = (signal: NodeJS.Signals) => () => {
    if (stopping) {
      logger.warn({ signal }, 'second stop signal: exiting now without draining');
      exit(1);
      return;
    }
    stopping = true;
    logger.info({ signal }, 'stop signal: draining requests, then exiting');
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
  const onHangup = () => {
    if (stopping) return;
    if (!options.reload) {
      logger.info('SIGHUP: nothing to reload (WECHAT_APPS_FILE is not set)');
      return;
    }
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
    for (const [signal, handler] of handlers) source.off(signal, handler);
    source.off('SIGHUP', onHangup);
  };
}

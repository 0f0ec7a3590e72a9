import { type Logger, silentLogger } from '../logger.js';
import { errorText } from '../redact.js';

export interface ShutdownStep {
  /** Names the step in logs ("drain http", "close redis"). */
  name: string;
  run(): Promise<unknown> | undefined;
  /** The step counts as failed when it takes longer; the sequence then moves on. */
  timeoutMs: number;
}

export interface ShutdownResult {
  /** Every step finished, without error, in its time. */
  clean: boolean;
  /** Steps that threw or ran out of time. */
  failed: string[];
}

/**
 * Runs the steps one after another — order matters: stop taking requests before closing what they
 * use — each bounded by its own timeout, so one stuck step (a hung Redis) cannot keep the process
 * alive and the later steps still run.
 */
export async function runShutdown(
  steps: readonly ShutdownStep[],
  logger: Logger = silentLogger,
): Promise<ShutdownResult> {
  const failed: string[] = [];
  for (const step of steps) {
    const startedAt = performance.now();
    const outcome = await within(step.timeoutMs, step.run);
    const durationMs = Math.round(performance.now() - startedAt);
    if (outcome === 'ok') {
      logger.debug({ step: step.name, durationMs }, 'shutdown step done');
      continue;
    }
    failed.push(step.name);
    if (outcome === 'timeout') {
      logger.warn({ step: step.name, timeoutMs: step.timeoutMs }, 'shutdown step timed out; moving on');
    } else {
      logger.warn(
        { step: step.name, durationMs, err: errorText(outcome.error) },
        'shutdown step failed; moving on',
      );
    }
  }
  return { clean: failed.length === 0, failed };
}

async function within(
  timeoutMs: number,
  run: ShutdownStep['run'],
): Promise<'ok' | 'timeout' | { error: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    return await Promise.race([
      Promise.resolve()
        .then(run)
        .then(
          () => 'ok' as const,
          (error: unknown) => ({ error }),
        ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

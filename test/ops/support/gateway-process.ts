import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { builtEntry } from '../../support/built-entry.js';

export interface GatewayProcess {
  child: ChildProcess;
  /** The GraphQL endpoint. */
  url: string;
  origin: string;
  /** Every JSON log line so far. */
  lines: Record<string, unknown>[];
  /** Resolves with the first log line (already written or to come) that matches. */
  waitForLine(
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  raw(): string;
}

/**
 * The built entry as a child process (what `npm start` runs: signals and all), started with `env`
 * (without NODE_ENV it runs as production); `args` runs another entry, such as `src/main.ts` under tsx.
 */
export async function startGatewayProcess(
  env: Record<string, string>,
  args: string[] = [builtEntry('src/main.ts')],
): Promise<GatewayProcess> {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const chunks: string[] = [];
  const waiters = new Set<() => void>();
  child.stderr?.on('data', (data: Buffer) => chunks.push(data.toString()));
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    chunks.push(`${line}\n`);
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      return;
    }
    for (const wake of [...waiters]) wake();
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);

  const waitForLine: GatewayProcess['waitForLine'] = (match, timeoutMs = 15_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = lines.find(match);
        if (!found) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no matching log line within ${timeoutMs} ms; output:\n${chunks.join('')}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const listening = await Promise.race([
    waitForLine((line) => typeof line.url === 'string' && String(line.msg).includes('listening on')),
    exited.then((code) => {
      throw new Error(`the gateway exited (${code}) before listening:\n${chunks.join('')}`);
    }),
  ]).catch((error: unknown) => {
    // The caller never gets the child to stop: do not leave it running.
    if (child.exitCode === null) child.kill('SIGKILL');
    throw error;
  });
  const url = listening.url as string;
  return { child, url, origin: new URL(url).origin, lines, waitForLine, exited, raw: () => chunks.join('') };
}

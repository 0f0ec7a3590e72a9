import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { builtEntry } from './built-entry.js';
import type { ReplicaSpec } from './replica.js';

export type ChildAnswer =
  | { id: number; ok: true; fingerprint: string; expiresAt: number }
  | { id: number; ok: false; code: string; message: string };

export interface ReplicaProcess {
  child: ChildProcess;
  /** Sends a request; the promise settles when the child answers (never, if it is killed first). */
  request(op: 'getToken' | 'refresh' | 'ticket', appId: string): Promise<ChildAnswer>;
  /** SIGKILL: no `finally`, no lock release, no QUIT; resolves once the process is gone. */
  kill(): Promise<void>;
}

/** Starts `replica-child.ts` (built) and resolves once its replica is connected to Redis. */
export async function spawnReplica(spec: ReplicaSpec, readyTimeoutMs = 20_000): Promise<ReplicaProcess> {
  const child = spawn(process.execPath, [builtEntry('test/support/replica-child.ts')], {
    env: { ...process.env, REPLICA_SPEC: JSON.stringify(spec) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const pending = new Map<number, (answer: ChildAnswer) => void>();
  let nextId = 1;
  let buffered = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      const message = JSON.parse(buffered.slice(0, end)) as ChildAnswer | { ready: true };
      buffered = buffered.slice(end + 1);
      if ('ready' in message) markReady();
      else pending.get(message.id)?.(message);
    }
  });

  let timer: NodeJS.Timeout | undefined;
  const failed = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) =>
      reject(new Error(`replica child exited (${code ?? signal}) before it was ready:\n${stderr}`)),
    );
    timer = setTimeout(
      () => reject(new Error(`replica child not ready within ${readyTimeoutMs} ms:\n${stderr}`)),
      readyTimeoutMs,
    );
  });
  try {
    await Promise.race([ready, failed]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    clearTimeout(timer);
  }
  failed.catch(() => {}); // Exiting later is what kill() is for.

  return {
    child,
    request(op, appId) {
      const id = nextId++;
      const answered = new Promise<ChildAnswer>((resolve) => pending.set(id, resolve));
      child.stdin?.write(`${JSON.stringify({ id, op, appId })}\n`);
      return answered;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { startRedisServer, stopRedisServer } from '../../test/redis/helpers.js';
import { freePort } from '../../test/support/free-port.js';

/**
 * A private redis-server for the bench, so no one else's commands pollute the count, and Redis's own
 * count of the commands it processed (INFO stats `total_commands_processed`).
 */
export class PrivateRedis {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly admin: Redis,
  ) {}

  static async start(): Promise<PrivateRedis> {
    const port = await freePort();
    const child = await startRedisServer(port);
    const url = `redis://127.0.0.1:${port}`;
    return new PrivateRedis(url, child, new Redis(url));
  }

  /** Commands processed so far, not counting this INFO itself. */
  async commandsProcessed(): Promise<number> {
    const info = await this.admin.info('stats');
    return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? Number.NaN);
  }

  /**
   * Commands clients sent while `run` ran, counted with MONITOR: a script counts once, not the
   * commands it runs (which `total_commands_processed` counts too). `admission`: those of them on the
   * rate limiter's buckets (`ratelimit:` keys: a replica takes a share of a caller's budget once its
   * previous share lapsed, whatever the request), counted apart.
   */
  async commandsSentDuring(run: () => Promise<void>): Promise<{ all: number; admission: number }> {
    const monitor = await new Redis(this.url).monitor();
    const marker = `bench-marker-${Math.random()}`;
    const counted = { all: 0, admission: 0 };
    let marked: (() => void) | undefined;
    const seenMarker = new Promise<void>((resolve) => {
      marked = resolve;
    });
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (args[1] === marker) marked?.();
      else if (source !== 'lua') {
        counted.all++;
        if (args.some((arg) => arg.includes('ratelimit:'))) counted.admission++;
      }
    });
    try {
      await run();
      await this.admin.echo(marker);
      await seenMarker;
      return counted;
    } finally {
      monitor.disconnect();
    }
  }

  /** Bytes Redis holds (INFO memory `used_memory`). */
  async usedMemory(): Promise<number> {
    const info = await this.admin.info('memory');
    return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
  }

  /** Commands others sent between two readings: the second reading counts the first INFO. */
  static between(before: number, after: number): number {
    return after - before - 1;
  }

  async stop(): Promise<void> {
    this.admin.disconnect();
    await stopRedisServer(this.child);
  }
}

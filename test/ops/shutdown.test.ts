import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runShutdown } from '../../src/lifecycle/shutdown.js';
import { handleSignals } from '../../src/lifecycle/signals.js';
import { captureLogs } from './support/log-capture.js';

describe('runShutdown', () => {
  it('runs the steps in order and is clean when all finish in time', async () => {
    const order: string[] = [];
    const step = (name: string, ms: number) => ({
      name,
      timeoutMs: 1000,
      run: async () => {
        await sleep(ms);
        order.push(name);
      },
    });
    const result = await runShutdown([
      step('drain http', 20),
      step('stop manager', 5),
      step('close redis', 1),
    ]);
    expect(order).toEqual(['drain http', 'stop manager', 'close redis']);
    expect(result).toEqual({ clean: true, failed: [] });
  });

  // The hung step never settles: the sequence completing at all shows its timeout cut it.
  it('moves on past a step that hangs or throws, runs the rest, and reports it unclean', async () => {
    const logs = captureLogs();
    const ran: string[] = [];
    const result = await runShutdown(
      [
        { name: 'hung redis', timeoutMs: 50, run: () => new Promise(() => {}) },
        {
          name: 'broken',
          timeoutMs: 1000,
          run: () => {
            throw new Error(`boom ${'d'.repeat(32)}`);
          },
        },
        { name: 'dispose', timeoutMs: 1000, run: async () => void ran.push('dispose') },
      ],
      logs.logger,
    );
    expect(result).toEqual({ clean: false, failed: ['hung redis', 'broken'] });
    expect(ran).toEqual(['dispose']);
    expect(logs.lines.map((line) => line.step)).toEqual(['hung redis', 'broken', 'dispose']);
    expect(logs.raw()).not.toContain('d'.repeat(32));
  });
});

describe('handleSignals', () => {
  function harness(
    shutdown: () => Promise<boolean>,
    reload?: () => Promise<void>,
    parentGone?: () => boolean,
  ) {
    const source = new EventEmitter();
    const exits: number[] = [];
    const remove = handleSignals({
      source,
      shutdown,
      ...(reload ? { reload } : {}),
      ...(parentGone ? { parentGone } : {}),
      exit: (code) => exits.push(code),
    });
    return { source, exits, remove };
  }

  afterEach(() => {
    vi.useRealTimers();
  });

  it('shuts down on SIGHUP when there is nothing to reload, as any process does when its terminal closes', async () => {
    let shutdowns = 0;
    const { source, exits } = harness(async () => {
      shutdowns++;
      return true;
    });
    source.emit('SIGHUP');
    await vi.waitFor(() => expect(exits).toEqual([0]));
    expect(shutdowns).toBe(1);
  });

  it('reloads on SIGHUP while the parent lives, and stops instead once it is gone (at once or a second later)', async () => {
    vi.useFakeTimers();
    let reloads = 0;
    let gone = false;
    const { source, exits } = harness(
      async () => true,
      async () => void reloads++,
      () => gone,
    );
    source.emit('SIGHUP');
    await vi.advanceTimersByTimeAsync(2000);
    expect(reloads).toBe(1);
    expect(exits).toEqual([]);

    // The parent dies of the same hang-up a moment after the gateway took it for a reload.
    source.emit('SIGHUP');
    gone = true;
    await vi.advanceTimersByTimeAsync(999);
    expect(exits).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(exits).toEqual([0]);
    expect(reloads).toBe(2);

    const orphan = harness(
      async () => true,
      async () => void reloads++,
      () => true,
    );
    orphan.source.emit('SIGHUP');
    await vi.advanceTimersByTimeAsync(0);
    expect(orphan.exits).toEqual([0]);
    expect(reloads).toBe(2);
  });

  it('exits 0 after a clean shutdown and 1 after an unclean one', async () => {
    const clean = harness(async () => true);
    clean.source.emit('SIGTERM');
    await sleep(5);
    expect(clean.exits).toEqual([0]);

    const unclean = harness(async () => false);
    unclean.source.emit('SIGINT');
    await sleep(5);
    expect(unclean.exits).toEqual([1]);
  });

  it('exits at once on a second stop signal while draining', async () => {
    let finish: (clean: boolean) => void = () => {};
    const { source, exits } = harness(() => new Promise((resolve) => (finish = resolve)));
    source.emit('SIGTERM');
    await sleep(5);
    expect(exits).toEqual([]);
    source.emit('SIGINT');
    expect(exits).toEqual([1]);
    finish(true);
    await sleep(5);
    expect(exits).toEqual([1, 0]);
  });

  it('runs one reload at a time and one more when SIGHUP arrives during a reload', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const { source, remove } = harness(
      async () => true,
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(20);
        runs++;
        running--;
      },
    );
    source.emit('SIGHUP');
    source.emit('SIGHUP');
    source.emit('SIGHUP');
    await sleep(80);
    expect(runs).toBe(2);
    expect(maxRunning).toBe(1);
    remove();
    expect(source.listenerCount('SIGHUP')).toBe(0);
    expect(source.listenerCount('SIGTERM')).toBe(0);
  });

  it('survives a reload that rejects', async () => {
    let calls = 0;
    const { source } = harness(
      async () => true,
      async () => {
        calls++;
        throw new Error('bad file');
      },
    );
    source.emit('SIGHUP');
    await sleep(5);
    source.emit('SIGHUP');
    await sleep(5);
    expect(calls).toBe(2);
  });
});

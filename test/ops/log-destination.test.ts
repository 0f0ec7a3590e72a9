import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { builtEntry } from '../support/built-entry.js';

/**
 * The production logger writes stdout through a buffered, asynchronous destination (src/logger.ts):
 * a process that logs its last line and exits at once must still have written every line, in order.
 */

async function run(lines: number): Promise<{ code: number | null; lines: Record<string, unknown>[] }> {
  const child = spawn(process.execPath, [builtEntry('test/ops/support/log-then-exit.ts')], {
    env: { PATH: process.env.PATH ?? '', LINES: String(lines) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const [code] = (await once(child, 'close')) as [number | null];
  return {
    code,
    lines: out
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('the stdout log destination', () => {
  it('writes a line logged just before the process exits', async () => {
    const result = await run(0);
    expect(result.code).toBe(0);
    expect(result.lines).toEqual([expect.objectContaining({ msg: 'shutdown complete', clean: true })]);
  });

  it('writes every line of many buffers, in order, when the last one is logged just before exiting', async () => {
    // Many times the buffer: writes are in flight when the process decides to exit.
    const result = await run(5000);
    expect(result.code).toBe(0);
    expect(result.lines).toHaveLength(5001);
    expect(result.lines.slice(0, -1).map((line) => line.i)).toEqual([...Array(5000).keys()]);
    expect(result.lines.at(-1)).toMatchObject({ msg: 'shutdown complete' });
  });
});

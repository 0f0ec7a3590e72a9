import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { LoadRequest, LoadResult } from './driver.js';

/** Core 0 runs the server under test, core 1 the load generator (when `taskset` and two cores exist). */
export const SERVER_CORE = 0;
export const LOAD_CORE = 1;

const hasTaskset = spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;

/** Whether processes are pinned to cores (reported with the results). */
export const PINNED = hasTaskset;

export function benchFile(relative: string): string {
  return fileURLToPath(new URL(`../${relative}`, import.meta.url));
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Compiles the servers and the gateway with tsc (tsconfig.bench.json, into .tmp/bench-build), so they
 * run as production runs the gateway (`node dist/main.js`), not through tsx's loader and helpers.
 */
export function buildServers(): void {
  const tsc = spawnSync(
    process.execPath,
    [`${REPO}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.bench.json'],
    {
      cwd: REPO,
      stdio: 'inherit',
    },
  );
  if (tsc.status !== 0) throw new Error('tsc -p tsconfig.bench.json failed');
}

/** A server of bench/servers/ as `buildServers` compiled it. */
export function serverFile(name: string): string {
  return `${REPO}.tmp/bench-build/bench/servers/${name}.js`;
}

/** Spawns `node <script>` (`--import tsx` for TypeScript) pinned to `core`. */
export function spawnNode(
  core: number,
  script: string,
  env: NodeJS.ProcessEnv,
  stdio: ('pipe' | 'ignore' | 'inherit' | 'ipc')[],
): ChildProcess {
  const args = script.endsWith('.ts') ? ['--import', 'tsx', script] : [script];
  return hasTaskset
    ? spawn('taskset', ['-c', String(core), process.execPath, ...args], { env, stdio })
    : spawn(process.execPath, args, { env, stdio });
}

export interface Running {
  name: string;
  url: string;
  child: ChildProcess;
}

/**
 * A server that announces `{ url }` on its IPC channel (bench/servers/shape.ts `announce`). Its stdout
 * is not read: a server logging every request (the gateway at `info`) still formats and writes each
 * line, but to /dev/null, so no reader of a pipe takes CPU from the two cores the bench measures on
 * (the load generator's or the server's); stderr stays the bench's own.
 */
export async function startAnnouncing(
  name: string,
  script: string,
  env: NodeJS.ProcessEnv,
): Promise<Running> {
  const child = spawnNode(SERVER_CORE, script, env, ['ignore', 'ignore', 'inherit', 'ipc']);
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`${name} exited (${code}) before it was ready`);
  });
  const ready = once(child, 'message').then(([message]) => (message as { url: string }).url);
  const url = await Promise.race([ready, exited]);
  return { name, url, child };
}

export async function stop(running: Running | undefined): Promise<void> {
  if (!running) return;
  const { child } = running;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** The kernel's clock ticks per second, the unit of /proc's CPU times (Linux; 100 where unknown). */
const CLOCK_TICKS = (() => {
  const getconf = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const ticks = Number(getconf.stdout?.trim());
  return getconf.status === 0 && ticks > 0 ? ticks : 100;
})();

/**
 * CPU time a process has used so far, all its threads, user and system, in microseconds (Linux
 * /proc; undefined elsewhere, or once the process is gone): a figure the other processes on the
 * machine do not move. /proc counts in clock ticks (10 ms at 100 per second), so a reading over a 2 s
 * round at one core is good to about half a percent.
 */
export function cpuTimeOf(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name, which may itself hold spaces and parentheses; utime and
    // stime are the 14th and 15th of the whole line.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1e6) / CLOCK_TICKS : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A memory figure of a process from /proc/<pid>/status, in bytes: its resident set now (`VmRSS`) or
 * the highest it has been (`VmHWM`). Linux only: undefined elsewhere, or once the process is gone.
 */
export function memoryOf(pid: number | undefined, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
    return kb ? Number(kb) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** `memoryOf` in whole megabytes (NaN where unknown), as the scale scenarios report it. */
export function memoryMbOf(pid: number | undefined, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const bytes = memoryOf(pid, field);
  return bytes === undefined ? Number.NaN : Math.round(bytes / 2 ** 20);
}

/** The load-generator process (bench/lib/driver.ts) on its own core. */
export class LoadDriver {
  private readonly child: ChildProcess;
  private readonly lines: Interface;
  private readonly iterator: AsyncIterator<string>;

  constructor() {
    this.child = spawnNode(LOAD_CORE, benchFile('lib/driver.ts'), process.env, ['pipe', 'pipe', 'inherit']);
    this.lines = createInterface({ input: this.child.stdout as NodeJS.ReadableStream });
    this.iterator = this.lines[Symbol.asyncIterator]();
  }

  async run(request: LoadRequest): Promise<LoadResult> {
    this.child.stdin?.write(`${JSON.stringify(request)}\n`);
    const next = await this.iterator.next();
    if (next.done) throw new Error('the load generator exited');
    return JSON.parse(next.value) as LoadResult;
  }

  async close(): Promise<void> {
    const exited = once(this.child, 'exit');
    this.child.stdin?.end();
    await exited;
  }
}

/** The gateway as production starts it (`node dist/main.js`), compiled by `buildServers` (tsconfig.bench.json). */
const BUILT_MAIN = benchFile('../.tmp/bench-build/src/main.js');

/**
 * The built gateway on `port`, pinned to the server core, in production mode with logs at `warn` to
 * nowhere, and `env` (its apps, store, keys) on top.
 */
export function spawnBuiltGateway(port: number, env: NodeJS.ProcessEnv): ChildProcess {
  return spawnNode(
    SERVER_CORE,
    BUILT_MAIN,
    {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      ...env,
    },
    ['ignore', 'ignore', 'inherit'],
  );
}

/**
 * Asks `origin`'s `/ready` every `pollMs` until it answers 200; `onAnswer` hears every answer, of any
 * status. Throws if `child` exits first.
 */
export async function untilReady(
  child: ChildProcess,
  origin: string,
  pollMs: number,
  onAnswer: (status: number) => void = () => {},
): Promise<void> {
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the gateway exited (${child.exitCode}) before it was ready`);
    const status = await fetch(`${origin}/ready`).then(
      (response) => response.status,
      () => undefined,
    );
    if (status !== undefined) onAnswer(status);
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

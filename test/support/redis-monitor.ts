import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** One command a Redis node received, as MONITOR shows it. */
export interface MonitoredCommand {
  /** The command and its arguments, the command as sent (compare it lower-cased). */
  args: string[];
  /** The client's `address:port`, or `lua` for a command a script called. */
  source: string;
}

export interface RedisNode {
  host: string;
  port: number;
}

/** A MONITOR line's quoted arguments, unescaped as Redis escaped them (sdscatrepr). */
function argumentsOf(text: string): string[] {
  const args: string[] = [];
  for (const match of text.matchAll(/"((?:[^"\\]|\\.)*)"/g)) {
    args.push(
      (match[1] ?? '').replace(/\\(x[0-9a-f]{2}|.)/g, (_, escaped: string) => {
        if (escaped.startsWith('x') && escaped.length === 3)
          return String.fromCharCode(Number.parseInt(escaped.slice(1), 16));
        return (
          ({ n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b' } as Record<string, string>)[escaped] ?? escaped
        );
      }),
    );
  }
  return args;
}

/** MONITOR on one node over a plain socket: lines only once Redis has said OK, so none is mistaken for a reply. */
function monitorNode(node: RedisNode, onCommand: (command: MonitoredCommand) => void): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(node.port, node.host);
    let buffered = '';
    let started = false;
    socket.setEncoding('utf8');
    socket.on('error', reject);
    socket.on('connect', () => socket.write('MONITOR\r\n'));
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let end = buffered.indexOf('\r\n');
      while (end >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        end = buffered.indexOf('\r\n');
        if (!started) {
          if (line !== '+OK') return reject(new Error(`MONITOR refused: ${line}`));
          started = true;
          resolve(socket);
          continue;
        }
        const parsed = /^\+\S+ \[\d+ ([^\]]+)\] (.*)$/.exec(line);
        if (parsed) onCommand({ source: parsed[1] ?? '', args: argumentsOf(parsed[2] ?? '') });
      }
    });
  });
}

/** Sends one inline command on a socket of its own and waits for its answer. */
function send(node: RedisNode, command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(node.port, node.host, () => socket.write(`${command}\r\n`));
    socket.once('data', () => {
      socket.destroy();
      resolve();
    });
    socket.on('error', reject);
  });
}

/**
 * The commands naming something under `prefix` that each node received while `run` ran, in order, seen
 * with MONITOR. MONITOR streams in order, so once a node shows the closing marker it has shown every
 * command before it: the wait ends on that event (a guard fails the test after `timeoutMs`).
 */
export async function commandsDuring(
  nodes: readonly RedisNode[],
  prefix: string,
  run: () => Promise<void>,
  timeoutMs = 3_000,
): Promise<MonitoredCommand[]> {
  const marker = `${prefix}done:${randomUUID()}`;
  const seen: MonitoredCommand[] = [];
  let pending = nodes.length;
  let allMarked: () => void = () => {};
  const marked = new Promise<void>((resolve) => {
    allMarked = resolve;
  });
  const sockets = await Promise.all(
    nodes.map((node) =>
      monitorNode(node, (command) => {
        if (command.args[1] === marker) {
          pending--;
          if (pending === 0) allMarked();
        } else if (command.args.some((arg) => arg.startsWith(prefix))) seen.push(command);
      }),
    ),
  );
  let guard: NodeJS.Timeout | undefined;
  try {
    await run();
    await Promise.all(nodes.map((node) => send(node, `ECHO ${marker}`)));
    await Promise.race([
      marked,
      new Promise<never>((_, reject) => {
        guard = setTimeout(
          () => reject(new Error(`MONITOR did not show the marker within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
    return seen;
  } finally {
    clearTimeout(guard);
    for (const socket of sockets) socket.destroy();
  }
}

/** The node a `redis://host:port` URL names. */
export function redisNode(url: string): RedisNode {
  const { hostname, port } = new URL(url);
  return { host: hostname || '127.0.0.1', port: Number(port) || 6379 };
}

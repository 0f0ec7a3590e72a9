import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createRequestLineWriter, type RequestLine } from '../../src/plugins/request-line.js';
import { Redactor } from '../../src/redact.js';
import { finishTurn } from '../../src/turn-end.js';

function capture(level = 'info', redactor = new Redactor()) {
  const lines: string[] = [];
  const writes: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      writes.push(String(chunk));
      lines.push(...String(chunk).split(/(?<=\n)/));
      done();
    },
  });
  const logger = createLogger({ level, destination, redactor }).child({ module: 'http' });
  const writer = createRequestLineWriter(logger, redactor);
  return {
    logger,
    lines,
    writes,
    writer,
    /** Writes the line as the end of the turn would. */
    write: (line: RequestLine) => {
      writer(line);
      finishTurn();
    },
  };
}

const OK_LINE: RequestLine = {
  reqId: '3f1c2b9e-8d4a-4e6f-9a1b-2c3d4e5f6a7b',
  reqIdFromCaller: false,
  operationName: 'TokenStatus',
  code: 'ok',
  status: 200,
  durationMs: 1.23,
};

/**
 * The request line (src/plugins/request-line.ts) is a line of the logger's own: it reads as the logger
 * writes the same fields, and the client text in it (the caller's request id, the operation name) is
 * redacted.
 */
describe('the request line', () => {
  it('reads as the logger writes the same fields', () => {
    const { logger, lines, write } = capture();
    write(OK_LINE);
    logger.info(
      { reqId: OK_LINE.reqId, operation: 'TokenStatus', durationMs: 1.2, code: 'ok', status: 200 },
      'graphql request',
    );
    const [written, logged] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[0]?.endsWith('\n')).toBe(true);
    expect({ ...written, time: 0 }).toEqual({ ...logged, time: 0 });
    expect(Object.keys(written ?? {})).toEqual(Object.keys(logged ?? {}));
    expect(typeof written?.time).toBe('number');
  });

  it('leaves out what it does not know and writes nothing below its level', () => {
    const quiet = capture('warn');
    quiet.write(OK_LINE);
    expect(quiet.lines).toEqual([]);
    const { lines, write } = capture();
    write({ ...OK_LINE, reqId: undefined, operationName: undefined });
    expect(JSON.parse(lines[0] ?? '')).not.toHaveProperty('reqId');
    expect(JSON.parse(lines[0] ?? '')).not.toHaveProperty('operation');
  });

  it('redacts a secret a client sends as its request id or names its operation after', () => {
    const secret = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';
    const apiKey = 'client-key-0123456789abcdef';
    const { lines, write } = capture('info', new Redactor({ secrets: [apiKey] }));
    write({ ...OK_LINE, reqId: apiKey, reqIdFromCaller: true });
    write({ ...OK_LINE, reqId: secret, reqIdFromCaller: true, operationName: `Op_${secret}` });
    write({ ...OK_LINE, operationName: 'not a name' });
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).not.toContain(apiKey);
      expect(line).not.toContain(secret);
    }
    expect(JSON.parse(lines[2] ?? '').operation).toBe('[invalid]');
  });

  it('sends refusals and failures through the logger with their reason', () => {
    const { lines, write } = capture();
    write({ ...OK_LINE, code: 'UNAUTHENTICATED', reason: 'no key', status: 401 });
    write({ ...OK_LINE, code: 'INTERNAL_SERVER_ERROR', status: 500 });
    const [refused, failed] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(refused).toMatchObject({
      level: 30,
      msg: 'graphql request failed',
      reason: 'no key',
      status: 401,
    });
    expect(failed).toMatchObject({ level: 50, msg: 'graphql request', status: 500 });
  });

  it('writes the lines of one turn through the logger at its end, in the order the requests ended', async () => {
    const { lines, writes, writer } = capture();
    writer(OK_LINE);
    writer({ ...OK_LINE, operationName: 'Second' });
    writer({ ...OK_LINE, code: 'UNAUTHENTICATED', reason: 'no key', status: 401 });
    writer({ ...OK_LINE, operationName: 'Third' });
    expect(lines).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((line) => JSON.parse(line).operation ?? JSON.parse(line).code)).toEqual([
      'TokenStatus',
      'Second',
      'TokenStatus',
      'Third',
    ]);
    expect(JSON.parse(lines[2] ?? '').code).toBe('UNAUTHENTICATED');
    // Batching lines into fewer writes is the destination's business (src/logger.ts), not the writer's.
    expect(writes).toHaveLength(4);
  });

  it("goes through the logger's hooks, mixins and redaction like any line", () => {
    // No pattern catches it: only a redactor that holds it does.
    const secret = 'plain-words-held-as-a-secret';
    const lines: string[] = [];
    const seen: unknown[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    // The logger knows the secret; the writer's redactor does not.
    const logger = pino(
      {
        mixin: () => ({ replica: 'r1' }),
        hooks: {
          logMethod(args, method) {
            seen.push(args[1]);
            method.apply(this, args);
          },
        },
        formatters: {
          log: (object) => JSON.parse(new Redactor({ secrets: [secret] }).redact(JSON.stringify(object))),
        },
      },
      destination,
    ).child({ module: 'http' });
    const writer = createRequestLineWriter(logger, new Redactor());
    const write = (line: RequestLine) => {
      writer(line);
      finishTurn();
    };
    write({ ...OK_LINE, reqId: `id-${secret}`, reqIdFromCaller: true });
    expect(seen).toEqual(['graphql request']);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(secret);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      module: 'http',
      replica: 'r1',
      code: 'ok',
      status: 200,
    });
  });
});

import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createRequestLineWriter, type RequestLine } from '../../src/plugins/request-line.js';
import { Redactor } from '../../src/redact.js';

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
  return { logger, lines, writes, write: createRequestLineWriter(logger, redactor) };
}

/** Successful requests' lines are handed over once per turn of the event loop. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

const OK_LINE: RequestLine = {
  reqId: '3f1c2b9e-8d4a-4e6f-9a1b-2c3d4e5f6a7b',
  reqIdFromCaller: false,
  operationName: 'TokenStatus',
  code: 'ok',
  status: 200,
  durationMs: 1.23,
};

/**
 * The request line of a successful request is written straight to the destination (src/plugins/
 * request-line.ts): it must read as the logger's own line would, and the client text in it (the
 * caller's request id, the operation name) must still be redacted.
 */
describe('the request line', () => {
  it('reads as the logger writes the same fields', async () => {
    const { logger, lines, write } = capture();
    write(OK_LINE);
    await nextTurn();
    logger.info(
      { reqId: OK_LINE.reqId, operation: 'TokenStatus', durationMs: 1.2, code: 'ok', status: 200 },
      'graphql request',
    );
    const [fast, slow] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[0]?.endsWith('\n')).toBe(true);
    expect({ ...fast, time: 0 }).toEqual({ ...slow, time: 0 });
    expect(Object.keys(fast ?? {})).toEqual(Object.keys(slow ?? {}));
    expect(typeof fast?.time).toBe('number');
  });

  it('leaves out what it does not know and writes nothing below its level', async () => {
    const quiet = capture('warn');
    quiet.write(OK_LINE);
    await nextTurn();
    expect(quiet.lines).toEqual([]);
    const { lines, write } = capture();
    write({ ...OK_LINE, reqId: undefined, operationName: undefined });
    await nextTurn();
    expect(JSON.parse(lines[0] ?? '')).not.toHaveProperty('reqId');
    expect(JSON.parse(lines[0] ?? '')).not.toHaveProperty('operation');
  });

  it('redacts a secret a client sends as its request id or names its operation after', async () => {
    const secret = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';
    const apiKey = 'client-key-0123456789abcdef';
    const { lines, write } = capture('info', new Redactor({ secrets: [apiKey] }));
    write({ ...OK_LINE, reqId: apiKey, reqIdFromCaller: true });
    write({ ...OK_LINE, reqId: secret, reqIdFromCaller: true, operationName: `Op_${secret}` });
    write({ ...OK_LINE, operationName: 'not a name' });
    await nextTurn();
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

  it('hands over the lines of one turn in one write, and a refusal after the lines before it', async () => {
    const { lines, writes, write } = capture();
    write(OK_LINE);
    write({ ...OK_LINE, operationName: 'Second' });
    expect(lines).toEqual([]);
    write({ ...OK_LINE, code: 'UNAUTHENTICATED', reason: 'no key', status: 401 });
    write({ ...OK_LINE, operationName: 'Third' });
    await nextTurn();
    expect(lines.map((line) => JSON.parse(line).operation ?? JSON.parse(line).code)).toEqual([
      'TokenStatus',
      'Second',
      'TokenStatus',
      'Third',
    ]);
    expect(JSON.parse(lines[2] ?? '').code).toBe('UNAUTHENTICATED');
    // The two lines before the refusal in one write, the refusal in its own, the last one in the next.
    expect(writes).toHaveLength(3);
  });
});

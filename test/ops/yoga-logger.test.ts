import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { yogaLogger } from '../../src/plugins/yoga-logger.js';
import { Redactor } from '../../src/redact.js';

const SECRET = 'yoga-logger-secret-0123456789';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const redactor = new Redactor({ secrets: [SECRET] });
  const reshaped = new WeakSet<object>();
  const logger = createLogger({ level, destination, redactor });
  return { lines, reshaped, yoga: yogaLogger(logger, reshaped, redactor) };
}

/** Something Yoga may log whose text form is counted (and must not be made for a level not written). */
function counted() {
  const made = { times: 0 };
  return {
    made,
    value: {
      toString() {
        made.times++;
        return `params with ${SECRET}`;
      },
    },
  };
}

describe('yogaLogger (Yoga logs through the gateway logger)', () => {
  it('makes no text for a level the logger does not write', () => {
    const { lines, yoga } = capture('info');
    const { made, value } = counted();
    yoga.debug('Processing GraphQL Parameters', value);
    expect(made.times).toBe(0);
    expect(lines).toEqual([]);
  });

  it('writes a level the logger writes, redacted, at that level', () => {
    const { lines, yoga } = capture('debug');
    const { made, value } = counted();
    yoga.debug('Processing GraphQL Parameters', value);
    yoga.warn('warned', value);
    expect(made.times).toBe(2);
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [20, 'Processing GraphQL Parameters params with [REDACTED]'],
      [40, 'warned params with [REDACTED]'],
    ]);
  });

  it('writes an error the mask already reported at debug only', () => {
    const atInfo = capture('info');
    const reported = new Error(`reported ${SECRET}`);
    atInfo.reshaped.add(reported);
    atInfo.yoga.error(reported);
    atInfo.yoga.error(new Error('not reported'));
    expect(atInfo.lines.map((line) => [line.level, line.msg])).toEqual([[50, 'not reported']]);

    const atDebug = capture('debug');
    atDebug.reshaped.add(reported);
    atDebug.yoga.error(reported);
    expect(atDebug.lines.map((line) => [line.level, line.msg])).toEqual([[20, 'reported [REDACTED]']]);
  });
});

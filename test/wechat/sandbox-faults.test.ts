import { describe, expect, it } from 'vitest';
import { FaultBook } from '../../src/wechat/sandbox/faults.js';
import { SandboxInputError } from '../../src/wechat/sandbox/input-error.js';

describe('FaultBook.take', () => {
  it('applies a fault to its endpoint only, for the next N calls', () => {
    const book = new FaultBook();
    book.add({ kind: 'busy', endpoint: '/cgi-bin/token', times: 2 });
    expect(book.take('/cgi-bin/stable_token').fault).toBeUndefined();
    expect(book.take('/cgi-bin/token').fault?.kind).toBe('busy');
    expect(book.take('/cgi-bin/token').fault?.kind).toBe('busy');
    expect(book.take('/cgi-bin/token').fault).toBeUndefined();
    expect(book.list()).toEqual([]);
  });

  it('keeps a fault without times until cleared', () => {
    const book = new FaultBook();
    book.add({ kind: 'hang' });
    for (let i = 0; i < 3; i++) expect(book.take('/cgi-bin/getcallbackip').fault?.kind).toBe('hang');
    book.clear();
    expect(book.take('/cgi-bin/getcallbackip').fault).toBeUndefined();
  });

  it('answers with the oldest matching fault', () => {
    const book = new FaultBook();
    book.add({ kind: 'daily-quota', times: 1 });
    book.add({ kind: 'minute-quota', times: 1 });
    expect(book.take('/cgi-bin/token').fault?.kind).toBe('daily-quota');
    expect(book.take('/cgi-bin/token').fault?.kind).toBe('minute-quota');
  });

  it('combines latency with the next answering fault', () => {
    const book = new FaultBook();
    book.add({ kind: 'latency', ms: 50, times: 1 });
    book.add({ kind: 'bad-gateway', times: 1 });
    expect(book.take('/cgi-bin/token')).toMatchObject({ delayMs: 50, fault: { kind: 'bad-gateway' } });
    expect(book.take('/cgi-bin/token')).toEqual({ delayMs: 0, fault: undefined });
  });

  it.each([
    [{ kind: 'nope' }, 'kind'],
    [{ kind: 'errcode' }, 'errcode'],
    [{ kind: 'errcode', errcode: 0 }, 'errcode'],
    [{ kind: 'latency', ms: -1 }, 'ms'],
    [{ kind: 'busy', times: 1.5 }, 'times'],
    [{ kind: 'busy', errmsg: 5 }, 'errmsg'],
  ])('refuses %j naming %s', (spec, field) => {
    const book = new FaultBook();
    expect(() => book.add(spec as never)).toThrow(SandboxInputError);
    expect(() => book.add(spec as never)).toThrow(field);
  });
});

import { describe, expect, it } from 'vitest';
import {
  MAX_OPERATION_NAMES_PER_CALLER,
  type OperationFacts,
  OperationLabels,
  refusedEntirely,
} from '../../src/metrics/operation-label.js';

/** The operation label decision (issue 29 item 4), one row per rule. */

const ran = (operationName: string | undefined, callerId = 'k1'): OperationFacts => ({
  ran: { operationName },
  callerId,
});

describe('OperationLabels', () => {
  it.each<[string, OperationFacts, string]>([
    ['nothing ran (refused, not parsed, not valid, no such operation)', { callerId: 'k1' }, 'not_run'],
    ['nothing ran, a name sent', { ran: undefined, callerId: 'k1' }, 'not_run'],
    ['ran, but every field refused', { ...ran('Secret'), refused: true }, 'not_run'],
    ['ran without a name', ran(undefined), 'anonymous'],
    ['a trusted document’s name', ran('Known'), 'Known'],
    ['a new name that ran', ran('Fresh'), 'Fresh'],
    ['a name that is not a GraphQL name', ran('not a name'), 'other'],
    ['a name longer than 64 characters', ran(`A${'a'.repeat(64)}`), 'other'],
    ['a name equal to a fixed label', ran('not_run'), 'other'],
    ['a name equal to another fixed label', ran('other'), 'other'],
    ['a name that is not a string', { ran: { operationName: ['Q'] as unknown as string } }, 'other'],
  ])('%s → %s', (_, facts, label) => {
    expect(new OperationLabels({ known: ['Known'] }).label(facts)).toBe(label);
  });

  it(`one caller claims at most ${MAX_OPERATION_NAMES_PER_CALLER} slots; names it claimed stay labelled for all`, () => {
    const labels = new OperationLabels();
    const claimed = Array.from({ length: 15 }, (_, i) => labels.label(ran(`Mine${i}`, 'greedy')));
    expect(claimed.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => `Mine${i}`));
    expect(claimed.slice(10)).toEqual(Array(5).fill('other'));
    // Another caller still gets a slot, and a name already claimed is labelled for everyone.
    expect(labels.label(ran('Theirs', 'k2'))).toBe('Theirs');
    expect(labels.label(ran('Mine3', 'k2'))).toBe('Mine3');
    expect(labels.label(ran('Mine3', 'greedy'))).toBe('Mine3');
  });

  it('every caller without a key is one caller', () => {
    const labels = new OperationLabels({ maxNamesPerCaller: 2 });
    expect(labels.label({ ran: { operationName: 'A' } })).toBe('A');
    expect(labels.label(ran('B', 'anonymous'))).toBe('B');
    expect(labels.label({ ran: { operationName: 'C' } })).toBe('other');
  });

  it('the slots of the gateway run out whoever claims them; refused requests claim none', () => {
    const labels = new OperationLabels({ maxNames: 3, maxNamesPerCaller: 2 });
    for (let i = 0; i < 100; i++) labels.label({ ran: undefined, callerId: `k${i}` });
    for (let i = 0; i < 100; i++) labels.label({ ...ran(`Refused${i}`, `k${i}`), refused: true });
    expect(
      [ran('A', 'k1'), ran('B', 'k2'), ran('C', 'k3'), ran('D', 'k4')].map((f) => labels.label(f)),
    ).toEqual(['A', 'B', 'C', 'other']);
  });

  it('refuses bad bounds', () => {
    expect(() => new OperationLabels({ maxNamesPerCaller: -1 })).toThrow(/maxNamesPerCaller/);
    expect(() => new OperationLabels({ maxNames: 1.5 })).toThrow(/maxNames/);
  });
});

describe('refusedEntirely', () => {
  const forbidden = { message: 'no', extensions: { code: 'FORBIDDEN' } };
  it.each<[string, unknown, boolean]>([
    ['data null, every error FORBIDDEN', { data: null, errors: [forbidden] }, true],
    [
      'every field null, every error FORBIDDEN',
      { data: { a: null, b: null }, errors: [forbidden, forbidden] },
      true,
    ],
    [
      'nested fields null, every error FORBIDDEN',
      { data: { t: { token: null }, l: [null] }, errors: [forbidden] },
      true,
    ],
    ['a nested field answered', { data: { t: { token: null, state: 'FRESH' } }, errors: [forbidden] }, false],
    ['a field answered beside the refusal', { data: { a: null, b: 1 }, errors: [forbidden] }, false],
    [
      'another error among them',
      { data: null, errors: [forbidden, { message: 'x', extensions: { code: 'UNKNOWN_APP' } }] },
      false,
    ],
    ['no errors', { data: { a: 1 } }, false],
    ['an error without a code', { data: null, errors: [{ message: 'x' }] }, false],
    [
      'a batch, every result refused',
      [
        { data: null, errors: [forbidden] },
        { data: { a: null }, errors: [forbidden] },
      ],
      true,
    ],
    ['a batch, one result answered', [{ data: null, errors: [forbidden] }, { data: { a: 1 } }], false],
    ['nothing', undefined, false],
  ])('%s → %s', (_, result, refused) => {
    expect(refusedEntirely(result)).toBe(refused);
  });
});

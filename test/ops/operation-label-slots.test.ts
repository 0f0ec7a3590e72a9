import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FAST_PHASES,
  KEYS,
  type ProductionGateway,
  startProductionGateway,
} from '../security/support/production-gateway.js';
import { subscribeSse } from '../support/sse.js';
import { parsePrometheus } from './support/prometheus.js';

/**
 * Issue 29 item 4: `/metrics` keeps a label for each of the first 50 operation names it sees, so a key
 * that could name series with operations that never ran would fill the slots and push the real
 * operations into `other` until a restart. Only an operation that ran (found in a valid document and
 * executed, by whichever phase) names a series; every refusal, and an operation whose every field was
 * refused, counts under the fixed label `not_run`; and one key claims at most 10 of the slots.
 */
const ATTACKS = 60;

/** Each way a request can fail before an operation runs, with the name the attacker chose. */
function attack(n: number): unknown {
  const name = `Attacker_label_${String(n).padStart(2, '0')}`;
  switch (n % 4) {
    case 0:
      // A valid document without an operation of that name.
      return { query: 'query Real { __typename }', operationName: name };
    case 1:
      // A document that does not validate.
      return { query: `query ${name} { nope }`, operationName: name };
    case 2:
      // A document that does not parse.
      return { query: `query ${name} {`, operationName: name };
    default:
      // Two operations, the name matching neither.
      return { query: 'query A { __typename } query B { __typename }', operationName: name };
  }
}

describe('operation labels of /metrics', () => {
  let gw: ProductionGateway;
  beforeAll(async () => {
    gw = await startProductionGateway({}, 1);
  });
  afterAll(() => gw.close());

  const series = async () =>
    parsePrometheus(await (await fetch(`${gw.origin}/metrics`)).text()).filter(
      (sample) => sample.name === 'wxgw_graphql_requests_total',
    );

  it('refused requests name no series, and a real operation keeps its own label after them', async () => {
    for (let n = 0; n < ATTACKS; n++) {
      const answer = await gw.post(attack(n), { key: KEYS.signer });
      expect(answer.json.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    // Without a key too (refused before its parameters are read) and with a key it does not know.
    expect((await gw.post(attack(0))).status).toBe(401);
    expect((await gw.post(attack(0), { key: 'unknown-key-0123456789abcdef' })).status).toBe(401);

    const afterAttack = await series();
    expect(afterAttack.filter((s) => s.labels.operation?.startsWith('Attacker'))).toEqual([]);
    expect(afterAttack.find((s) => s.labels.operation === 'other')).toBeUndefined();
    const notRun = afterAttack
      .filter((s) => s.labels.operation === 'not_run')
      .reduce((sum, s) => sum + s.value, 0);
    expect(notRun).toBe(ATTACKS + 2);

    // Sent twice: run by Yoga, then by the compiled phase (or the answer cache), one series for both.
    const { first: real, repeated } = await gw.postTwice(
      { query: 'query RealStatus { tokenStatus { appId state } }' },
      { key: KEYS.signer },
    );
    expect(real.status).toBe(200);
    expect([real.phase, repeated.phase]).toEqual(['yoga', expect.toBeOneOf([...FAST_PHASES])]);
    expect(real.json.errors).toBeUndefined();
    const labels = (await series()).filter((s) => s.labels.operation === 'RealStatus');
    expect(labels).toEqual([
      expect.objectContaining({ labels: { operation: 'RealStatus', code: 'ok', reason: '' }, value: 2 }),
    ]);
  });

  it('an operation that ran and failed in a resolver still names its series', async () => {
    const { first: answer, repeated } = await gw.postTwice(
      { query: 'query NoSuchApp { tokenStatus(appId: "wx0000000000000000") { state } }' },
      { key: KEYS.signer },
    );
    expect([answer.phase, repeated.phase]).toEqual(['yoga', 'compiled']);
    expect(answer.json.errors[0].extensions.code).toBe('UNKNOWN_APP');
    const named = (await series()).filter((s) => s.labels.operation === 'NoSuchApp');
    expect(named).toEqual([
      expect.objectContaining({
        labels: { operation: 'NoSuchApp', code: 'UNKNOWN_APP', reason: '' },
        value: 2,
      }),
    ]);
  });

  it('a subscription that ran names its series too', async () => {
    const watch = await subscribeSse(
      gw.url,
      { query: 'subscription Watch { tokenEvents { type } }' },
      { authorization: `Bearer ${KEYS.signer}` },
    );
    expect(watch.status).toBe(200);
    watch.close();
    expect(await watch.ended).toBe('closed');
    expect((await series()).find((s) => s.labels.operation === 'Watch')?.labels.code).toBe('ok');
  });

  it('an operation refused whole (every field FORBIDDEN) names no series', async () => {
    for (let n = 0; n < 20; n++) {
      const answer = await gw.post(
        { query: `query Attacker_forbidden_${n} { tokenStatus { accessToken } }` },
        { key: KEYS.statusOnly },
      );
      expect(answer.json.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect((await series()).filter((s) => s.labels.operation?.startsWith('Attacker'))).toEqual([]);
  });

  it('one key claims at most 10 slots with operations that run; the other keys keep theirs', async () => {
    for (let n = 0; n < 30; n++) {
      const answer = await gw.post({ query: `query Attacker_ran_${n} { __typename }` }, { key: KEYS.wechat });
      expect(answer.json.data).toEqual({ __typename: 'Query' });
    }
    const after = await series();
    expect(after.filter((s) => s.labels.operation?.startsWith('Attacker_ran_'))).toHaveLength(10);
    expect(after.find((s) => s.labels.operation === 'other')?.value).toBe(20);
    const real = await gw.post({ query: 'query ReaderApps { apps { appId } }' }, { key: KEYS.reader });
    expect(real.json.errors).toBeUndefined();
    expect((await series()).find((s) => s.labels.operation === 'ReaderApps')?.value).toBe(1);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { AUTHORIZERS_PER_PAGE } from '../../src/status/authorizer-list.js';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import { startTestGateway, type TestGateway } from '../graphql/support/gateway.js';
import { COMPONENT, pushTo } from '../support/component.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';

/**
 * Issue 28 item 3: the status page lists a component's authorizers a page at a time, searches them by
 * appId, escapes whatever the query holds, and its size does not grow with the number of authorizers.
 */

let sandbox: TestSandbox;
let gateway: TestGateway;
let appIds: string[];

beforeAll(async () => {
  sandbox = await startSandbox({ components: [COMPONENT] });
  gateway = await startTestGateway({
    sandbox,
    store: new MemoryStores(),
    logger: silentLogger,
    components: [COMPONENT],
  });
  await pushTo(gateway.origin, sandbox.direct.component.ticketPush(COMPONENT.appId, Date.now()));
  appIds = sandbox.direct.addAuthorizers(COMPONENT.appId, 1000).sort();
  await gateway.components?.recoverAuthorizers(COMPONENT.appId);
});
afterAll(async () => {
  await gateway.close();
  await sandbox.close();
});

async function statusPage(query = ''): Promise<{ html: string; csp: string }> {
  const response = await fetch(`${gateway.origin}/status${query}`, { headers: { accept: 'text/html' } });
  expect(response.status).toBe(200);
  return { html: await response.text(), csp: response.headers.get('content-security-policy') ?? '' };
}

const listed = (html: string) => [...html.matchAll(/data-authorizer="([^"]+)"/g)].map((m) => m[1]);
const nextHref = (html: string) =>
  /href="([^"]+)" data-field="list-next"/.exec(html)?.[1]?.replaceAll('&amp;', '&');

describe('the status page lists authorizers', () => {
  it('shows the first page in appId order, and the next page through its link', async () => {
    const { html, csp } = await statusPage();
    expect(listed(html)).toEqual(appIds.slice(0, AUTHORIZERS_PER_PAGE));
    expect(csp).toContain("form-action 'self'");
    const next = nextHref(html);
    expect(next).toBe(`/status?component=${COMPONENT.appId}&after=${appIds[AUTHORIZERS_PER_PAGE - 1]}`);
    const second = await statusPage((next as string).slice('/status'.length));
    expect(listed(second.html)).toEqual(appIds.slice(AUTHORIZERS_PER_PAGE, 2 * AUTHORIZERS_PER_PAGE));
    expect(second.html).toContain('data-field="list-first"');
  });

  it('searches by the beginning of an appId: exactly the matches, no next page past them', async () => {
    const prefix = (appIds[100] as string).slice(0, 17);
    const matches = appIds.filter((appId) => appId.startsWith(prefix));
    expect(matches).toHaveLength(16);
    const { html } = await statusPage(`?component=${COMPONENT.appId}&q=${prefix.toUpperCase()}`);
    expect(listed(html)).toEqual(matches);
    expect(nextHref(html)).toBeUndefined();
    expect(listed((await statusPage('?q=wx0000')).html)).toEqual([]);
    expect((await statusPage('?q=wx0000')).html).toContain('No authorizer matches.');
  });

  it('escapes what the query holds and ignores what is not an appId, naming it', async () => {
    const hostile = encodeURIComponent('"><script>alert(1)</script>');
    const { html } = await statusPage(`?component=${hostile}&q=${hostile}&after=${hostile}`);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('alert(1)');
    expect(html).toContain('Ignored: component is not an AppID; search is not the beginning of an AppID');
    // The list is the unsearched first page.
    expect(listed(html)).toEqual(appIds.slice(0, AUTHORIZERS_PER_PAGE));
    const unknown = await statusPage('?component=wx0123456789abcdef');
    expect(unknown.html).toContain('Ignored: component is not a configured component.');
  });

  it('is the same size with 1,000 and with 5,000 authorizers', async () => {
    const before = (await statusPage()).html.length;
    sandbox.direct.addAuthorizers(COMPONENT.appId, 4000);
    expect(await gateway.components?.recoverAuthorizers(COMPONENT.appId)).toMatchObject({ total: 5000 });
    const after = await statusPage();
    expect(after.html).toContain('AUTHORIZED: 5000');
    // Only the counts' and the times' digits differ.
    expect(Math.abs(after.html.length - before)).toBeLessThan(40);
  });
});

import type { ComponentManager } from '../credentials/component-manager.js';
import type { TokenState } from '../credentials/types.js';
import type { AuthorizerState } from '../store/ports.js';
import { APP_ID_PATTERN } from '../wechat/app-id.js';

/**
 * The status page's list of a component's authorizers (issue 28 item 3): one page of
 * `AUTHORIZERS_PER_PAGE`, ordered by appId, optionally those whose appId starts with a search, paged
 * by cursor (`after`, the last appId shown). Each page is one store page read and one batched read of
 * the page's tokens, whatever the number of authorizers: the page's size and cost do not grow with it.
 * Query parameters: `component` (which card the search and cursor apply to; the only one by default),
 * `q` (an appId or its beginning), `after` (an appId). Anything else is ignored, and a value that is
 * not what it should be is named on the page (escaped), never echoed into a store read.
 */

export const AUTHORIZERS_PER_PAGE = 20;

/** What the query asks of one component's list. */
export interface AuthorizerListQuery {
  component?: string;
  q?: string;
  after?: string;
  /** Why a parameter was ignored (for the page, escaped there). */
  notice?: string;
}

export interface AuthorizerRow {
  appId: string;
  state: AuthorizerState;
  authorizedAt?: Date;
  tokenState: TokenState;
  expiresAt?: Date;
}

export interface AuthorizerListView {
  componentAppId: string;
  q?: string;
  after?: string;
  rows: AuthorizerRow[];
  /** The cursor of the next page, when there is one. */
  nextAfter?: string;
  notice?: string;
}

/** The beginning of an appId: "wx" and hex digits, lowercase. */
const SEARCH_PATTERN = /^w(?:x[0-9a-f]{0,16})?$/;

/** The list query from the page's URL; wrong values are dropped with a notice. */
export function parseAuthorizerListQuery(params: URLSearchParams): AuthorizerListQuery {
  const query: AuthorizerListQuery = {};
  const notices: string[] = [];
  const component = params.get('component');
  if (component !== null && component !== '') {
    if (APP_ID_PATTERN.test(component)) query.component = component;
    else notices.push('component is not an AppID');
  }
  const q = params.get('q')?.trim().toLowerCase();
  if (q) {
    if (SEARCH_PATTERN.test(q)) query.q = q;
    else notices.push('search is not the beginning of an AppID ("wx" and hex digits)');
  }
  const after = params.get('after');
  if (after !== null && after !== '') {
    if (APP_ID_PATTERN.test(after)) query.after = after;
    else notices.push('after is not an AppID');
  }
  if (notices.length > 0) query.notice = `Ignored: ${notices.join('; ')}.`;
  return query;
}

/** The first appId-ordered string before every appId starting with `q` (the store's `after` is exclusive). */
function justBefore(q: string): string {
  const last = q.charCodeAt(q.length - 1);
  return `${q.slice(0, -1)}${String.fromCharCode(last - 1)}\uffff`;
}

/** One page of a component's authorizers with their token states; never a token or a refresh token. */
export async function authorizerList(
  manager: Pick<ComponentManager, 'authorizers' | 'tokenStatuses'>,
  componentAppId: string,
  query: Omit<AuthorizerListQuery, 'component'>,
): Promise<AuthorizerListView> {
  const { q } = query;
  // A cursor outside the search starts the search over.
  const after = query.after && (!q || query.after.startsWith(q)) ? query.after : undefined;
  const start = after ?? (q ? justBefore(q) : undefined);
  const page = await manager.authorizers.page(componentAppId, {
    first: AUTHORIZERS_PER_PAGE,
    ...(start !== undefined && { after: start }),
  });
  const records = q ? page.records.filter((r) => r.appId.startsWith(q)) : page.records;
  const statuses = await manager.tokenStatuses(
    componentAppId,
    records.map((r) => r.appId),
  );
  const rows = records.map((record, at): AuthorizerRow => {
    const status = statuses[at];
    return {
      appId: record.appId,
      state: record.state,
      ...(record.authorizedAt !== undefined && { authorizedAt: new Date(record.authorizedAt) }),
      tokenState: status?.state ?? 'MISSING',
      ...(status?.expiresAt && { expiresAt: status.expiresAt }),
    };
  });
  // More follow when the store has more and, searching, the page did not run past the matches.
  const more = page.hasNextPage && records.length === page.records.length;
  const last = rows.at(-1)?.appId;
  return {
    componentAppId,
    ...(q && { q }),
    ...(after && { after }),
    rows,
    ...(more && last && { nextAfter: last }),
    ...(query.notice && { notice: query.notice }),
  };
}

import type { ComponentSummary } from '../credentials/component-manager.js';
import type { AuthorizerListView } from './authorizer-list.js';
import type { AppStatusView, StatusRow, StatusView } from './status-model.js';

export const STATUS_PAGE_TITLE = 'wxtoken-gateway · status';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** "1h 59m", "4m 10s", "12s": coarse enough to read at a glance. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

function time(date: Date, now: Date): string {
  const seconds = (date.getTime() - now.getTime()) / 1000;
  const relative = seconds >= 0 ? `in ${formatDuration(seconds)}` : `${formatDuration(-seconds)} ago`;
  const iso = date.toISOString();
  return `<time datetime="${iso}" title="${iso}">${escapeHtml(iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))}</time> <span class="muted">(${relative})</span>`;
}

const STATE_TONE: Record<string, string> = { FRESH: 'ok', EXPIRING: 'warn', EXPIRED: 'bad', MISSING: 'bad' };

function row(label: string, value: string, attrs = ''): string {
  return `<tr${attrs}><th scope="row">${escapeHtml(label)}</th><td>${value}</td></tr>`;
}

function lifeBar(app: AppStatusView): string {
  if (app.secondsLeft === undefined || app.lifetimeSeconds === undefined) {
    return '<div class="bar" role="img" aria-label="no token"><span style="width:0%"></span></div>';
  }
  const percent = Math.min(100, Math.max(0, (app.secondsLeft / app.lifetimeSeconds) * 100));
  const label = `${formatDuration(app.secondsLeft)} left of ${formatDuration(app.lifetimeSeconds)}`;
  return `<div class="bar ${STATE_TONE[app.state] ?? ''}" role="img" aria-label="${escapeHtml(label)}"><span style="width:${percent.toFixed(1)}%"></span></div><div class="muted" data-field="time-left">${escapeHtml(label)}</div>`;
}

function extraRows(rows: StatusRow[]): string {
  return rows
    .map((r) => row(r.label, `<span class="tone-${r.tone ?? 'plain'}">${escapeHtml(r.value)}</span>`))
    .join('');
}

function appCard(app: AppStatusView, now: Date): string {
  const rows = [
    row('appId', `<code>${escapeHtml(app.appId)}</code>`),
    row('token mode', escapeHtml(app.tokenMode)),
    row(
      'obtained at',
      app.obtainedAt ? time(app.obtainedAt, now) : '<span class="muted">no token</span>',
      ' data-field="obtained-at"',
    ),
    row('expires at', app.expiresAt ? time(app.expiresAt, now) : '<span class="muted">—</span>'),
    ...(app.fingerprint
      ? [row('token fingerprint', `<code data-field="fingerprint">${escapeHtml(app.fingerprint)}</code>`)]
      : []),
    row(
      'next renewal',
      app.nextRenewalAt
        ? time(app.nextRenewalAt, now)
        : '<span class="muted">none scheduled on this replica</span>',
    ),
    row(
      'fetch lock',
      app.fetchLockHeldUntil
        ? `<span class="tone-warn">held</span> until ${time(app.fetchLockHeldUntil, now)}`
        : '<span class="tone-ok">free</span>',
      ' data-field="fetch-lock"',
    ),
    row(
      'quota circuits',
      app.circuits.length === 0
        ? '<span class="tone-ok">none open</span>'
        : `<ul>${app.circuits
            .map(
              (c) =>
                `<li class="tone-bad"><code>${escapeHtml(c.endpoint)}</code> (${c.errcode}) open, closes ${time(c.openUntil, now)}</li>`,
            )
            .join('')}</ul>`,
      ' data-field="circuits"',
    ),
    row(
      'last error',
      app.lastError
        ? `<div class="tone-bad"><code data-field="error-code">${escapeHtml(app.lastError.code)}</code> ${time(app.lastError.at, now)}</div><div>${escapeHtml(app.lastError.message)}</div>${app.lastError.fix ? `<div class="fix"><strong>Fix:</strong> ${escapeHtml(app.lastError.fix)}</div>` : ''}`
        : '<span class="tone-ok">none</span>',
      ' data-field="last-error"',
    ),
    ...(app.unreadable
      ? [row('status', `<span class="tone-bad">could not be read: ${escapeHtml(app.unreadable)}</span>`)]
      : []),
  ];
  const sections = app.sections
    .map((s) => `<h3>${escapeHtml(s.title)}</h3><table class="kv">${extraRows(s.rows)}</table>`)
    .join('');
  return `<section class="app" data-app-id="${escapeHtml(app.appId)}" data-state="${escapeHtml(app.state)}">
<h2>${escapeHtml(app.name)} <span class="state tone-${STATE_TONE[app.state] ?? 'plain'}" data-field="state">${escapeHtml(app.state)}</span></h2>
${lifeBar(app)}
<table class="kv">${rows.join('')}</table>${sections}
</section>`;
}

const TICKET_TONE: Record<string, string> = { FRESH: 'ok', STALE: 'bad', MISSING: 'bad' };

/** A component's card: its verify ticket's age, its token's state and its authorizers by state. */
function componentCard(
  c: ComponentSummary,
  now: Date,
  list: AuthorizerListView | undefined,
  path: string,
): string {
  const ticket = c.verifyTicket;
  const rows = [
    row(
      'verify ticket',
      `<span class="tone-${TICKET_TONE[ticket.state] ?? 'plain'}" data-field="ticket-state">${escapeHtml(ticket.state)}</span>${
        ticket.ageSeconds !== undefined
          ? ` <span data-field="ticket-age">${ticket.ageSeconds} s old</span>`
          : ''
      }`,
    ),
    row(
      'push restart',
      ticket.pushRestartedAt
        ? `asked ${time(ticket.pushRestartedAt, now)}${ticket.lastRestartError ? ` <span class="tone-bad">failed: ${escapeHtml(ticket.lastRestartError)}</span>` : ''}`
        : '<span class="muted">none in the last 10 minutes</span>',
    ),
    row(
      'component token',
      `<span class="tone-${STATE_TONE[c.token.state] ?? 'plain'}" data-field="component-token">${escapeHtml(c.token.state)}</span>${
        c.token.lastError ? ` <code class="tone-bad">${escapeHtml(c.token.lastError.code)}</code>` : ''
      }`,
    ),
    row(
      'authorizers',
      Object.entries(c.authorizers)
        .map(
          ([state, n]) =>
            `<span data-field="authorizers-${escapeHtml(state)}">${escapeHtml(state)}: ${n}</span>`,
        )
        .join(', '),
    ),
    row('authorizer recovery', recoveryText(c.recovery, now)),
  ];
  return `<section class="app component" data-component-id="${escapeHtml(c.appId)}">
<h2>${escapeHtml(c.name)} <span class="muted">Open Platform component</span></h2>
<table class="kv">${rows.join('')}</table>
${list ? authorizerTable(list, now, path) : ''}
</section>`;
}

/** `path?component=…&q=…&after=…`, escaped for an attribute. */
function listHref(path: string, params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value) query.set(name, value);
  return escapeHtml(`${path}?${query}`);
}

/** A page of the component's authorizers, a search by appId, and links to the first and next pages. */
function authorizerTable(list: AuthorizerListView, now: Date, path: string): string {
  const component = list.componentAppId;
  const form = `<form method="get" action="${escapeHtml(path)}" class="search"><input type="hidden" name="component" value="${escapeHtml(component)}"><input type="search" name="q" placeholder="appId or its beginning" value="${escapeHtml(list.q ?? '')}" aria-label="search authorizers by appId"> <button type="submit">Search</button></form>`;
  const notice = list.notice
    ? `<p class="tone-warn" data-field="list-notice">${escapeHtml(list.notice)}</p>`
    : '';
  const body =
    list.rows.length === 0
      ? `<p class="muted" data-field="list-empty">${list.q ? 'No authorizer matches.' : 'No authorizer.'}</p>`
      : `<table class="kv list"><thead><tr><th>appId</th><th>state</th><th>token</th><th>expires</th></tr></thead><tbody>${list.rows
          .map(
            (r) =>
              `<tr data-authorizer="${escapeHtml(r.appId)}"><td><code>${escapeHtml(r.appId)}</code></td><td>${escapeHtml(r.state)}</td><td class="tone-${STATE_TONE[r.tokenState] ?? 'plain'}">${escapeHtml(r.tokenState)}</td><td>${r.expiresAt ? time(r.expiresAt, now) : '<span class="muted">–</span>'}</td></tr>`,
          )
          .join('')}</tbody></table>`;
  const links = [
    list.after
      ? `<a href="${listHref(path, { component, q: list.q })}" data-field="list-first">first page</a>`
      : '',
    list.nextAfter
      ? `<a href="${listHref(path, { component, q: list.q, after: list.nextAfter })}" data-field="list-next">next page</a>`
      : '',
  ].filter(Boolean);
  return `<h3>Authorizers${list.q ? ` starting with <code>${escapeHtml(list.q)}</code>` : ''}</h3>${form}${notice}${body}${
    links.length > 0 ? `<p class="pages">${links.join(' · ')}</p>` : ''
  }`;
}

/** The last recovery from the authorizer list: how far it got, never a token. */
function recoveryText(recovery: ComponentSummary['recovery'], now: Date): string {
  if (!recovery) return '<span class="muted">none</span>';
  const tone = recovery.state === 'done' ? 'ok' : recovery.state === 'running' ? 'warn' : 'bad';
  const when =
    recovery.state === 'done' && recovery.finishedAt !== undefined
      ? `finished ${time(new Date(recovery.finishedAt), now)}`
      : `started ${time(new Date(recovery.startedAt), now)}`;
  return `<span class="tone-${tone}" data-field="recovery-state">${escapeHtml(recovery.state)}</span> <span data-field="recovery-progress">${recovery.offset} / ${recovery.total} listed, ${recovery.recovered} recovered</span>, ${when}${
    recovery.resumedFrom !== undefined ? ` (resumed from ${recovery.resumedFrom})` : ''
  }`;
}

function storePart(store: StatusView['store']): string {
  const tone = !store.ok ? 'bad' : store.degraded ? 'warn' : 'ok';
  const word = !store.ok ? 'unreachable' : store.degraded ? 'degraded' : 'ok';
  return `<p id="store" class="store">Token store: <strong>${escapeHtml(store.kind)}</strong> <span class="tone-${tone}" data-field="store-state">${word}</span>${store.detail ? ` <span class="muted">${escapeHtml(store.detail)}</span>` : ''}</p>`;
}

/**
 * Follows the server's event stream and re-renders the content from a fresh copy of this page
 * (nothing but same-origin requests; the policy allows this one script by its hash).
 */
const SCRIPT = `(() => {
  const live = document.getElementById('live');
  let timer;
  const update = async () => {
    const response = await fetch(location.pathname + location.search, { headers: { accept: 'text/html' }, cache: 'no-store' });
    if (!response.ok) return;
    const next = new DOMParser().parseFromString(await response.text(), 'text/html').getElementById('content');
    if (next) document.getElementById('content').replaceWith(next);
  };
  const soon = () => { clearTimeout(timer); timer = setTimeout(() => update().catch(() => {}), 50); };
  const events = new EventSource(location.pathname.replace(/\\/$/, '') + '/events');
  events.addEventListener('token', soon);
  events.onopen = () => { live.textContent = 'live'; live.className = 'tone-ok'; };
  events.onerror = () => { live.textContent = 'reconnecting…'; live.className = 'tone-warn'; };
  setInterval(soon, 15000);
})();`;

const STYLE = `
:root { color-scheme: light; font-family: system-ui, sans-serif; }
body { margin: 0 auto; max-width: 1100px; padding: 16px 24px; color: #1b1f24; background: #f6f8fa; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 0 0 8px; } h3 { font-size: 14px; margin: 12px 0 4px; }
.apps { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 16px; }
.app { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 14px 16px; }
.kv { border-collapse: collapse; width: 100%; font-size: 13px; margin-top: 8px; }
.kv th { text-align: left; font-weight: 600; color: #57606a; width: 9.5em; vertical-align: top; padding: 3px 8px 3px 0; }
.kv td { padding: 3px 0; vertical-align: top; } .kv ul { margin: 0; padding-left: 16px; }
.bar { height: 10px; background: #eaeef2; border-radius: 5px; overflow: hidden; }
.bar span { display: block; height: 100%; background: #2da44e; }
.bar.warn span { background: #bf8700; } .bar.bad span { background: #cf222e; }
.state { font-size: 12px; padding: 1px 6px; border-radius: 10px; border: 1px solid currentColor; vertical-align: middle; }
.muted { color: #6e7781; font-size: 12px; } code { font-size: 12px; }
.tone-ok { color: #1a7f37; } .tone-warn { color: #9a6700; } .tone-bad { color: #cf222e; }
.list th { width: auto; } .search { margin-top: 6px; }
.fix { margin-top: 4px; } header { display: flex; justify-content: space-between; align-items: baseline; }
`;

/** The whole page: server-rendered, no external asset, one inline script, inline styles only. */
export function renderStatusPage(view: StatusView, path = '/status'): string {
  const now = view.generatedAt;
  const lists = new Map((view.authorizerLists ?? []).map((list) => [list.componentAppId, list]));
  const apps = [
    ...view.apps.map((app) => appCard(app, now)),
    ...(view.components ?? []).map((c) => componentCard(c, now, lists.get(c.appId), path)),
  ].join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${STATUS_PAGE_TITLE}</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<header><h1>wxtoken-gateway status</h1><span id="live" class="muted">connecting…</span></header>
<div id="content">
<p class="muted">As of <time datetime="${now.toISOString()}">${escapeHtml(now.toISOString())}</time> on this replica. Tokens, secrets and keys are never shown.</p>
${storePart(view.store)}
<div class="apps">
${apps || '<p>No app is configured.</p>'}
</div>
</div>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

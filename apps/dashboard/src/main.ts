import { h, replace } from './dom';
import { maskKey } from './lib/keys';
import { sampler } from './metrics-sampler';
import { loadKeys, signedIn, signOut } from './session';
import { startClock, View, ViewContext } from './ui';
import { agentsView } from './views/agents';
import { chartsView } from './views/charts';
import { commandView } from './views/command';
import { commandsView } from './views/commands';
import { deadLettersView } from './views/dead-letters';
import { loginView } from './views/login';
import { schedulesView } from './views/schedules';
import { topicsView, topicView } from './views/topics';
import { triggersView } from './views/triggers';

interface Route {
  pattern: RegExp;
  nav?: string;
  view(ctx: ViewContext): View;
}

/** Hash routes: the gateway serves one index.html, and a reload keeps the view. */
const ROUTES: Route[] = [
  { pattern: /^\/agents$/, nav: 'agents', view: agentsView },
  { pattern: /^\/commands$/, nav: 'commands', view: commandsView },
  { pattern: /^\/commands\/(?<id>[0-9a-f-]{36})$/, nav: 'commands', view: commandView },
  { pattern: /^\/dead-letters$/, nav: 'dead-letters', view: deadLettersView },
  { pattern: /^\/schedules$/, nav: 'schedules', view: schedulesView },
  { pattern: /^\/triggers$/, nav: 'triggers', view: triggersView },
  { pattern: /^\/topics$/, nav: 'topics', view: topicsView },
  { pattern: /^\/topics\/(?<id>[0-9a-f-]{36})$/, nav: 'topics', view: topicView },
  { pattern: /^\/charts$/, nav: 'charts', view: chartsView },
];

const NAV = [
  { id: 'agents', label: 'Agents' },
  { id: 'commands', label: 'Commands' },
  { id: 'dead-letters', label: 'Dead letters' },
  { id: 'schedules', label: 'Schedules' },
  { id: 'triggers', label: 'Triggers' },
  { id: 'topics', label: 'Topics' },
  { id: 'charts', label: 'Charts' },
];

const app = document.getElementById('app') as HTMLElement;
let current: View | undefined;

function navigate(hash: string): void {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function parse(): { path: string; query: URLSearchParams } {
  const raw = location.hash.replace(/^#/, '') || '/agents';
  const [path, search] = raw.split('?', 2);
  return { path, query: new URLSearchParams(search ?? '') };
}

function shell(active: string | undefined, content: HTMLElement): HTMLElement {
  const keys = loadKeys();
  return h(
    'div',
    { class: 'shell' },
    h(
      'nav',
      { class: 'sidebar' },
      h(
        'div',
        { class: 'sidebar-inner' },
        h('a', { class: 'brand', href: '#/agents' }, h('span', { class: 'brand-mark' }), 'Switchyard'),
        h(
          'ul',
          null,
          NAV.map((n) =>
            h(
              'li',
              null,
              h(
                'a',
                { href: `#/${n.id}`, class: n.id === active ? 'active' : undefined, testid: `nav-${n.id}` },
                n.label,
              ),
            ),
          ),
        ),
        h(
          'div',
          { class: 'sidebar-foot' },
          keys.api
            ? h(
                'div',
                { class: 'key-chip', title: 'Authorization: Bearer' },
                h('span', null, 'API key'),
                h('code', null, maskKey(keys.api)),
              )
            : null,
          keys.admin
            ? h(
                'div',
                { class: 'key-chip admin', title: 'x-admin-key' },
                h('span', null, 'admin key'),
                h('code', null, maskKey(keys.admin)),
              )
            : null,
          !keys.api || !keys.admin
            ? h(
                'a',
                { class: 'small', href: '#/login?add=1', testid: 'add-key' },
                keys.api ? '+ admin key' : '+ API key',
              )
            : null,
          h(
            'button',
            {
              class: 'btn ghost small',
              testid: 'sign-out',
              on: {
                click: () => {
                  signOut();
                  navigate('#/login');
                },
              },
            },
            'Sign out',
          ),
        ),
      ),
    ),
    h('main', { class: 'content' }, content),
  );
}

function route(): void {
  current?.dispose?.();
  current = undefined;
  document.getElementById('toasts')?.replaceChildren();
  const { path, query } = parse();
  const ctx = (params: Record<string, string>): ViewContext => ({ params, query, navigate });
  if (path === '/login' || !signedIn()) {
    if (path !== '/login') query.set('next', location.hash || '#/agents');
    current = loginView(ctx({}));
    replace(app, current.el);
    return;
  }
  sampler.start();
  for (const r of ROUTES) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    current = r.view(ctx({ ...(m.groups ?? {}) }));
    replace(app, shell(r.nav, current.el));
    document.title = `${r.nav ? NAV.find((n) => n.id === r.nav)?.label : ''} · Switchyard`;
    return;
  }
  replace(
    app,
    shell(
      undefined,
      h('section', null, h('h1', null, 'Not found'), h('a', { href: '#/agents' }, 'Back to the agents')),
    ),
  );
}

window.addEventListener('hashchange', () => route());
startClock();
route();

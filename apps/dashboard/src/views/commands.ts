import { api, Page, query } from '../api';
import { h, replace } from '../dom';
import { targetLabel } from '../lib/format';
import { commandLink, empty, errorBox, header, mono, moreButton, pill, table, timeAgo, View, ViewContext } from '../ui';

export interface CommandSummary {
  id: string;
  state: string;
  type: string;
  target: { agent?: string; pool?: string };
  caller: string;
  attempt: number;
  maxAttempts: number;
  assignedAgent: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

const STATES = ['scheduled', 'queued', 'dispatched', 'running', 'succeeded', 'failed', 'cancelled', 'expired', 'stuck'];
const PAGE_SIZE = '50';

/** GET /v1/commands with the state, target and type filters, newest first, keyset pages. */
export function commandsView(ctx: ViewContext): View {
  const filters = {
    state: ctx.query.get('state') ?? '',
    target: ctx.query.get('target') ?? '',
    type: ctx.query.get('type') ?? '',
  };
  const state = h(
    'select',
    { name: 'state', testid: 'filter-state' },
    h('option', { value: '' }, 'any state'),
    STATES.map((s) => h('option', { value: s, selected: s === filters.state }, s)),
  );
  const target = h('input', {
    name: 'target',
    placeholder: 'agent or pool',
    value: filters.target,
    testid: 'filter-target',
  });
  const type = h('input', { name: 'type', placeholder: 'type', value: filters.type, testid: 'filter-type' });
  const form = h(
    'form',
    {
      class: 'filters',
      on: {
        submit: (e) => {
          e.preventDefault();
          ctx.navigate(
            `#/commands${query({ state: state.value, target: target.value.trim(), type: type.value.trim() })}`,
          );
        },
      },
    },
    state,
    target,
    type,
    h('button', { type: 'submit', class: 'btn' }, 'Filter'),
    filters.state || filters.target || filters.type
      ? h('a', { class: 'btn ghost', href: '#/commands' }, 'Clear')
      : null,
  );
  const list = h('div', null, h('div', { class: 'loading' }, 'Loading commands…'));
  const more = h('div', { class: 'pager' });
  const el = h(
    'section',
    null,
    header('Commands', h('button', { class: 'btn ghost', on: { click: () => void load(undefined) } }, 'Refresh')),
    form,
    list,
    more,
  );
  let rows: CommandSummary[] = [];

  const load = async (cursor: string | undefined) => {
    try {
      const page = await api<Page<CommandSummary>>(
        'GET',
        `/v1/commands${query({ ...filters, limit: PAGE_SIZE, cursor })}`,
      );
      rows = cursor ? [...rows, ...page.items] : page.items;
      replace(
        list,
        rows.length
          ? table(
              [
                { title: 'Command', cell: (c) => commandLink(c.id) },
                { title: 'State', cell: (c) => pill(c.state) },
                { title: 'Type', cell: (c) => mono(c.type) },
                { title: 'Target', cell: (c) => targetLabel(c.target) },
                { title: 'Attempt', class: 'num', cell: (c) => `${c.attempt} / ${c.maxAttempts}` },
                { title: 'Agent', cell: (c) => mono(c.assignedAgent) },
                { title: 'Created', cell: (c) => timeAgo(c.createdAt) },
                { title: 'Updated', cell: (c) => timeAgo(c.updatedAt) },
              ],
              rows,
              { testid: 'commands-table', rowId: (c) => c.id },
            )
          : empty('No commands match.', 'Submit one with POST /v1/commands.'),
      );
      replace(
        more,
        moreButton(page.nextCursor, (c) => void load(c), 'Load older', 'load-more') ??
          (rows.length ? h('span', { class: 'muted small' }, `${rows.length} shown, the end`) : null),
      );
    } catch (err) {
      replace(list, errorBox(err));
      replace(more);
    }
  };
  void load(undefined);
  return { el };
}

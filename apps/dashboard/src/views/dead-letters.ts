import { api, Page, query } from '../api';
import { h, replace } from '../dom';
import { targetLabel } from '../lib/format';
import {
  commandLink,
  empty,
  errorBox,
  header,
  mono,
  moreButton,
  table,
  timeAgo,
  toast,
  View,
  ViewContext,
} from '../ui';

interface DeadLetter {
  id: string;
  commandId: string;
  reason: string;
  type: string;
  target: { agent?: string; pool?: string };
  attempt: number;
  depth: number;
  error: unknown;
  createdAt: string;
  replayedAt: string | null;
  replayCommandId: string | null;
  resolvedAt: string | null;
  resolutionNote: string | null;
  handlerFailedAt: string | null;
  handlerCommandId: string | null;
}

const TABS = [
  { label: 'Unresolved', resolved: 'false' },
  { label: 'Resolved', resolved: 'true' },
  { label: 'All', resolved: '' },
];

/** GET /v1/dead-letters, with replay and resolve (docs/triggers-and-dead-letters.md). */
export function deadLettersView(ctx: ViewContext): View {
  const resolved = ctx.query.get('resolved') ?? 'false';
  const type = ctx.query.get('type') ?? '';
  const list = h('div', null, h('div', { class: 'loading' }, 'Loading dead letters…'));
  const more = h('div', { class: 'pager' });
  const typeInput = h('input', { name: 'type', placeholder: 'type', value: type, testid: 'filter-type' });
  const el = h(
    'section',
    null,
    header('Dead letters', h('button', { class: 'btn ghost', on: { click: () => void load(undefined) } }, 'Refresh')),
    h(
      'form',
      {
        class: 'filters',
        on: {
          submit: (e) => {
            e.preventDefault();
            ctx.navigate(`#/dead-letters${query({ resolved: resolved || 'all', type: typeInput.value.trim() })}`);
          },
        },
      },
      h(
        'div',
        { class: 'tabs' },
        TABS.map((t) =>
          h(
            'a',
            {
              class: `tab${t.resolved === (resolved === 'all' ? '' : resolved) ? ' active' : ''}`,
              href: `#/dead-letters${query({ resolved: t.resolved || 'all', type })}`,
            },
            t.label,
          ),
        ),
      ),
      typeInput,
      h('button', { type: 'submit', class: 'btn' }, 'Filter'),
    ),
    list,
    more,
  );
  let rows: DeadLetter[] = [];

  const replay = async (d: DeadLetter, force: boolean) => {
    try {
      const res = await api<{ command: { id: string; state: string } }>('POST', `/v1/dead-letters/${d.id}/replay`, {
        ...(force ? { force: true } : {}),
      });
      toast(h('span', null, 'Replayed as ', commandLink(res.command.id)));
      await load(undefined);
    } catch (err) {
      toast(err instanceof Error ? err.message : String(err), 'bad');
    }
  };

  const resolve = async (d: DeadLetter, note: string) => {
    try {
      await api('POST', `/v1/dead-letters/${d.id}/resolve`, { note });
      toast('Resolved');
      await load(undefined);
    } catch (err) {
      toast(err instanceof Error ? err.message : String(err), 'bad');
    }
  };

  const actions = (d: DeadLetter) => {
    const cell = h('div', { class: 'row-actions' });
    const initial = () =>
      replace(
        cell,
        h(
          'button',
          {
            class: 'btn small',
            testid: 'replay',
            on: {
              click: () => {
                if (!d.replayCommandId) return void replay(d, false);
                replace(
                  cell,
                  h(
                    'button',
                    { class: 'btn small danger', testid: 'replay-force', on: { click: () => void replay(d, true) } },
                    'Replay again?',
                  ),
                  h('button', { class: 'btn small ghost', on: { click: initial } }, 'No'),
                );
              },
            },
          },
          d.replayCommandId ? 'Replay again' : 'Replay',
        ),
        d.resolvedAt
          ? null
          : h(
              'button',
              {
                class: 'btn small ghost',
                testid: 'resolve',
                on: {
                  click: () => {
                    const note = h('input', {
                      placeholder: 'resolution note',
                      class: 'small-input',
                      testid: 'resolve-note',
                    });
                    replace(
                      cell,
                      h(
                        'form',
                        {
                          class: 'inline-form',
                          on: {
                            submit: (e) => {
                              e.preventDefault();
                              if (note.value.trim()) void resolve(d, note.value.trim());
                            },
                          },
                        },
                        note,
                        h('button', { class: 'btn small', type: 'submit', testid: 'resolve-save' }, 'Resolve'),
                        h('button', { class: 'btn small ghost', type: 'button', on: { click: initial } }, 'Cancel'),
                      ),
                    );
                    note.focus();
                  },
                },
              },
              'Resolve',
            ),
      );
    initial();
    return cell;
  };

  const load = async (cursor: string | undefined) => {
    try {
      const page = await api<Page<DeadLetter>>(
        'GET',
        `/v1/dead-letters${query({ resolved: resolved === 'all' ? '' : resolved, type, limit: '50', cursor })}`,
      );
      rows = cursor ? [...rows, ...page.items] : page.items;
      replace(
        list,
        rows.length
          ? table(
              [
                { title: 'Dead at', cell: (d) => timeAgo(d.createdAt) },
                { title: 'Command', cell: (d) => commandLink(d.commandId) },
                { title: 'Type', cell: (d) => mono(d.type) },
                { title: 'Target', cell: (d) => targetLabel(d.target) },
                {
                  title: 'Reason',
                  cell: (d) => h('span', { class: 'reason', title: JSON.stringify(d.error) }, d.reason),
                },
                { title: 'Attempts', class: 'num', cell: (d) => String(d.attempt) },
                {
                  title: 'Status',
                  cell: (d) =>
                    h(
                      'div',
                      { class: 'dl-status' },
                      d.replayCommandId
                        ? h('div', { testid: 'replayed-as' }, 'replayed as ', commandLink(d.replayCommandId))
                        : null,
                      d.resolvedAt ? h('div', { class: 'muted' }, `resolved: ${d.resolutionNote ?? ''}`) : null,
                      d.handlerFailedAt
                        ? h('div', { class: 'tone-text-bad' }, 'handler failed ', commandLink(d.handlerCommandId))
                        : null,
                      !d.replayCommandId && !d.resolvedAt && !d.handlerFailedAt
                        ? h('span', { class: 'muted' }, 'open')
                        : null,
                    ),
                },
                { title: '', cell: actions },
              ],
              rows,
              { testid: 'dead-letters-table', rowId: (d) => d.id },
            )
          : empty('No dead letters here.', 'Commands that exhaust their attempts, expire or get stuck land here.'),
      );
      replace(
        more,
        moreButton(page.nextCursor, (c) => void load(c), 'Load older'),
      );
    } catch (err) {
      replace(list, errorBox(err));
    }
  };
  void load(undefined);
  return { el };
}

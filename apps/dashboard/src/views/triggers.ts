import { h } from '../dom';
import { targetLabel } from '../lib/format';
import { mono, timeAgo, View } from '../ui';
import { pagedList } from './paged-list';

interface Trigger {
  id: string;
  subjectPattern: string;
  target: { agent?: string; pool?: string };
  type: string;
  payloadTemplate: unknown;
  retry?: { maxAttempts?: number };
  owner: string;
  createdAt: string;
}

/** GET /v1/triggers: event subject patterns that create commands (docs/triggers-and-dead-letters.md). */
export function triggersView(): View {
  return pagedList<Trigger>({
    title: 'Triggers',
    path: '/v1/triggers',
    testid: 'triggers-table',
    rowId: (t) => t.id,
    intro:
      'Each live trigger turns every matching event into one command. Patterns under deadletter.… handle dead letters.',
    emptyText: 'No triggers.',
    emptyHint: 'Create one with POST /v1/triggers.',
    columns: [
      {
        title: 'Subject pattern',
        cell: (t) =>
          h(
            'span',
            null,
            h('code', null, t.subjectPattern),
            t.subjectPattern.startsWith('deadletter.') ? h('span', { class: 'tag warn' }, 'dead-letter handler') : null,
          ),
      },
      { title: 'Command', cell: (t) => h('span', { class: 'nowrap' }, mono(t.type), ' → ', targetLabel(t.target)) },
      {
        title: 'Payload template',
        cell: (t) =>
          h(
            'code',
            { class: 'small clip' },
            t.payloadTemplate === null ? 'the event data' : JSON.stringify(t.payloadTemplate),
          ),
      },
      { title: 'Attempts', class: 'num', cell: (t) => String(t.retry?.maxAttempts ?? 'default') },
      { title: 'Owner', cell: (t) => mono(t.owner) },
      { title: 'Created', cell: (t) => timeAgo(t.createdAt) },
    ],
  });
}

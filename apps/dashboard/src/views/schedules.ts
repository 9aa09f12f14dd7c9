import { h } from '../dom';
import { targetLabel } from '../lib/format';
import { mono, timeAgo, View } from '../ui';
import { pagedList } from './paged-list';

interface Schedule {
  id: string;
  name: string;
  cron: string;
  timezone: string;
  catchUp: string;
  command: { target: { agent?: string; pool?: string }; type: string; payload: unknown };
  nextFireAt: string;
  lastFiredAt: string | null;
  createdAt: string;
}

/** GET /v1/schedules: the schedules of the API key in use (docs/schedules.md). */
export function schedulesView(): View {
  return pagedList<Schedule>({
    title: 'Schedules',
    path: '/v1/schedules',
    testid: 'schedules-table',
    rowId: (s) => s.id,
    intro: 'Recurring commands of this API key: each fire time creates exactly one command.',
    emptyText: 'No schedules.',
    emptyHint: 'Create one with POST /v1/schedules.',
    columns: [
      { title: 'Name', cell: (s) => h('strong', null, s.name) },
      { title: 'Cron', cell: (s) => h('code', null, s.cron) },
      { title: 'Time zone', cell: (s) => s.timezone },
      {
        title: 'Command',
        cell: (s) => h('span', { class: 'nowrap' }, mono(s.command.type), ' → ', targetLabel(s.command.target)),
      },
      { title: 'Catch-up', cell: (s) => s.catchUp },
      { title: 'Next fire', cell: (s) => timeAgo(s.nextFireAt) },
      { title: 'Last fired', cell: (s) => timeAgo(s.lastFiredAt) },
    ],
  });
}

import { api, ApiError } from '../api';
import { h, replace } from '../dom';
import { between, duration, isTerminal, targetLabel, toneOf } from '../lib/format';
import { Attempt, attemptsOf, CommandEvent } from '../lib/timeline';
import { eventData, followStream } from '../sse';
import {
  commandLink,
  empty,
  errorBox,
  field,
  header,
  json,
  liveBadge,
  mono,
  pill,
  table,
  timeAgo,
  toast,
  View,
  ViewContext,
} from '../ui';

interface CommandDetail {
  id: string;
  state: string;
  target: { agent?: string; pool?: string };
  type: string;
  mode: string;
  caller: string;
  idempotencyKey: string | null;
  attempt: number;
  maxAttempts: number;
  backoff: unknown;
  assignedAgent: string | null;
  runAt: string | null;
  deadline: string | null;
  payload: unknown;
  result: unknown;
  error: unknown;
  depth: number;
  parentId: string | null;
  createdAt: string;
  updatedAt: string;
  dispatchedAt: string | null;
  acceptedAt: string | null;
  finishedAt: string | null;
  children: { id: string; type: string; state: string; target: { agent?: string; pool?: string }; createdAt: string }[];
  events: CommandEvent[];
}

/** Lifecycle events arrive in bursts; one reload per burst. */
const RELOAD_DEBOUNCE_MS = 200;

/**
 * One command from GET /v1/commands/{id}: its fields, payload, result, the
 * attempts and the full timeline; while it has not finished, its event stream
 * is followed and every event reloads the page's data.
 */
export function commandView(ctx: ViewContext): View {
  const id = ctx.params.id;
  const badge = liveBadge();
  const body = h('div', null, h('div', { class: 'loading' }, 'Loading command…'));
  const actions = h('div', { class: 'view-actions' });
  const el = h('section', null, header('Command', badge.el, actions), body);
  let stopStream: (() => void) | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;

  const cancel = async () => {
    try {
      await api('POST', `/v1/commands/${id}/cancel`, { reason: 'cancelled from the dashboard' });
      toast('Cancel requested');
      await load();
    } catch (err) {
      toast(err instanceof Error ? err.message : String(err), 'bad');
    }
  };

  const render = (c: CommandDetail) => {
    replace(
      actions,
      !isTerminal(c.state)
        ? h('button', { class: 'btn danger', testid: 'cancel-command', on: { click: () => void cancel() } }, 'Cancel')
        : null,
    );
    const hasError = c.error !== null && c.error !== undefined;
    replace(
      body,
      h(
        'div',
        { class: 'title-row' },
        h('span', { class: 'mono big', testid: 'command-id' }, c.id),
        pill(c.state, 'command-state'),
      ),
      h(
        'div',
        { class: 'fields' },
        field('Type', mono(c.type)),
        field('Target', targetLabel(c.target)),
        field('Mode', c.mode),
        field('Attempt', `${c.attempt} of ${c.maxAttempts}`),
        field('Agent', mono(c.assignedAgent)),
        field('Caller', mono(c.caller)),
        field('Created', timeAgo(c.createdAt)),
        field('Finished', c.finishedAt ? timeAgo(c.finishedAt) : '—'),
        field('Took', duration(between(c.createdAt, c.finishedAt))),
        field('Deadline', timeAgo(c.deadline)),
        field('Depth', String(c.depth)),
        field('Parent', commandLink(c.parentId)),
        field('Idempotency key', mono(c.idempotencyKey)),
        field('Run at', c.runAt ? timeAgo(c.runAt) : '—'),
      ),
      h(
        'div',
        { class: 'columns' },
        h('div', { class: 'panel' }, h('h2', null, 'Payload'), json(c.payload, 'command-payload')),
        h('div', { class: 'panel' }, h('h2', null, 'Result'), json(c.result ?? null, 'command-result')),
      ),
      hasError
        ? h(
            'div',
            { class: 'panel' },
            // An error stays on the row after a later attempt succeeded: it is then the last failure.
            h('h2', null, c.state === 'succeeded' ? 'Last error (an earlier attempt)' : 'Error'),
            json(c.error, 'command-error'),
          )
        : null,
      h('div', { class: 'panel' }, h('h2', null, 'Attempts'), attemptsTable(c.events)),
      h('div', { class: 'panel' }, h('h2', null, 'Timeline'), timeline(c.events)),
      h(
        'div',
        { class: 'panel' },
        h('h2', null, `Children (${c.children.length})`),
        c.children.length
          ? table(
              [
                { title: 'Command', cell: (k) => commandLink(k.id) },
                { title: 'State', cell: (k) => pill(k.state) },
                { title: 'Type', cell: (k) => mono(k.type) },
                { title: 'Target', cell: (k) => targetLabel(k.target) },
                { title: 'Created', cell: (k) => timeAgo(k.createdAt) },
              ],
              c.children,
            )
          : h('p', { class: 'muted' }, 'No commands were created from this one.'),
      ),
    );
  };

  const load = async () => {
    try {
      const c = await api<CommandDetail>('GET', `/v1/commands/${id}`);
      if (disposed) return;
      render(c);
      if (isTerminal(c.state)) {
        stopStream?.();
        stopStream = undefined;
        badge.set('finished');
      } else if (!stopStream) {
        stopStream = followStream(`/v1/commands/${id}/events`, {
          onState: (state, detail) => badge.set(state, detail),
          onEvent: (message) => {
            if (!eventData(message)) return;
            clearTimeout(timer);
            timer = setTimeout(() => void load(), RELOAD_DEBOUNCE_MS);
          },
        });
      }
    } catch (err) {
      replace(body, errorBox(err));
      if (err instanceof ApiError && err.status === 404) badge.set('not found');
    }
  };
  void load();

  return {
    el,
    dispose: () => {
      disposed = true;
      stopStream?.();
      clearTimeout(timer);
    },
  };
}

function attemptsTable(events: CommandEvent[]) {
  const attempts = attemptsOf(events);
  if (!attempts.length) return h('p', { class: 'muted' }, 'Not claimed by any agent yet.');
  return table(
    [
      { title: '#', class: 'num', cell: (a) => String(a.attempt) },
      { title: 'Agent', cell: (a) => mono(a.agentId) },
      { title: 'Claimed', cell: (a) => timeAgo(a.claimedAt) },
      { title: 'Accepted after', cell: (a) => duration(between(a.claimedAt, a.acceptedAt)) },
      {
        title: 'Ran for',
        cell: (a) => (a.endedAt ? duration(between(a.acceptedAt ?? a.claimedAt, a.endedAt)) : 'running'),
      },
      {
        title: 'Outcome',
        cell: (a) => (a.outcome ? h('span', null, a.outcome, ' → ', pill(a.endState)) : pill('running')),
      },
      // Lifecycle events carry an error only when their writer recorded one; the command's last error is above.
      ...(attempts.some((a) => a.error)
        ? [
            {
              title: 'Error',
              cell: (a: Attempt) => (a.error ? h('code', { class: 'small' }, JSON.stringify(a.error)) : '—'),
            },
          ]
        : []),
    ],
    attempts,
    { testid: 'attempts-table' },
  );
}

function timeline(events: CommandEvent[]) {
  if (!events.length) return empty('No events.');
  return h(
    'ol',
    { class: 'timeline', testid: 'timeline' },
    [...events]
      .sort((a, b) => a.id - b.id)
      .map((e) =>
        h(
          'li',
          { class: `tone-${toneOf(e.to)}` },
          h('span', { class: 'dot' }),
          h(
            'div',
            { class: 'timeline-main' },
            h(
              'div',
              { class: 'timeline-head' },
              h('strong', null, e.event),
              h('span', { class: 'muted' }, e.from ? ` ${e.from} → ` : ' → '),
              pill(e.to),
              e.attempt ? h('span', { class: 'tag' }, `attempt ${e.attempt}`) : null,
              e.agentId ? h('span', { class: 'tag mono' }, e.agentId) : null,
              h('span', { class: 'spacer' }),
              h('span', { class: 'muted small mono', title: e.at }, e.at.replace('T', ' ').replace('Z', '')),
            ),
            e.data !== null && e.data !== undefined && !(typeof e.data === 'object' && Object.keys(e.data).length === 0)
              ? h('details', null, h('summary', null, 'data'), json(e.data))
              : null,
          ),
        ),
      ),
  );
}

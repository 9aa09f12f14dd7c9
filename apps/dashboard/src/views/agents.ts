import { api } from '../api';
import { h, replace } from '../dom';
import { followStream, eventData } from '../sse';
import { commandLink, empty, errorBox, header, liveBadge, pill, timeAgo, View } from '../ui';

interface AgentStatus {
  phase: string;
  activity: string | null;
  detail: unknown;
  commandId: string | null;
  at: string;
}

interface Agent {
  id: string;
  name: string;
  pools: string[];
  concurrency: number;
  status: AgentStatus;
  lastHeartbeatAt: string | null;
}

/** The ledger's phases (connects, disconnects, the liveness job) also change without a status event. */
const RELOAD_MS = 15_000;
const PHASE_ORDER = ['busy', 'idle', 'draining', 'error', 'offline'];

/** The fleet from GET /v1/agents, kept current by the all-agents status stream. */
export function agentsView(): View {
  const agents = new Map<string, Agent>();
  const badge = liveBadge();
  const summary = h('div', { class: 'stat-row', testid: 'agent-summary' });
  const body = h('div', null, h('div', { class: 'loading' }, 'Loading agents…'));
  const el = h('section', null, header('Agents', badge.el), summary, body);
  let flashing = new Set<string>();

  const render = () => {
    const counts = new Map<string, number>();
    for (const a of agents.values()) counts.set(a.status.phase, (counts.get(a.status.phase) ?? 0) + 1);
    replace(
      summary,
      h(
        'div',
        { class: 'stat' },
        h('div', { class: 'stat-value' }, String(agents.size)),
        h('div', { class: 'stat-label' }, 'agents'),
      ),
      PHASE_ORDER.filter((p) => counts.has(p)).map((phase) =>
        h(
          'div',
          { class: `stat tone-${phase}` },
          h('div', { class: 'stat-value' }, String(counts.get(phase))),
          h('div', { class: 'stat-label' }, pill(phase)),
        ),
      ),
    );
    if (agents.size === 0) {
      replace(body, empty('No agents have registered yet.', 'Agents appear here when they connect.'));
      return;
    }
    const rows = [...agents.values()].sort((a, b) => a.id.localeCompare(b.id));
    replace(
      body,
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { testid: 'agents-table' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ['Agent', 'Phase', 'Current command', 'Activity', 'Pools', 'Slots', 'Heartbeat', 'Changed'].map((t) =>
                h('th', null, t),
              ),
            ),
          ),
          h(
            'tbody',
            null,
            rows.map((a) => row(a, flashing.has(a.id))),
          ),
        ),
      ),
    );
    flashing = new Set();
  };

  const row = (a: Agent, flash: boolean) => {
    const tr = h(
      'tr',
      { class: flash ? 'flash' : undefined, testid: 'agent-row' },
      h(
        'td',
        null,
        h('div', { class: 'mono strong' }, a.id),
        a.name !== a.id ? h('div', { class: 'muted small' }, a.name) : null,
      ),
      h('td', { testid: 'agent-phase' }, pill(a.status.phase)),
      h('td', { testid: 'agent-command' }, commandLink(a.status.commandId)),
      h('td', { class: 'muted' }, a.status.activity ?? '—'),
      h(
        'td',
        null,
        a.pools.map((p) => h('span', { class: 'tag' }, p)),
      ),
      h('td', { class: 'num' }, String(a.concurrency)),
      h('td', null, timeAgo(a.lastHeartbeatAt)),
      h('td', null, timeAgo(a.status.at)),
    );
    tr.dataset.id = a.id;
    return tr;
  };

  const load = async () => {
    try {
      const { items } = await api<{ items: Agent[] }>('GET', '/v1/agents');
      agents.clear();
      for (const a of items) agents.set(a.id, a);
      render();
    } catch (err) {
      replace(body, errorBox(err));
    }
  };

  void load();
  const reload = setInterval(() => void load(), RELOAD_MS);
  const stop = followStream('/v1/agents/events', {
    onState: (state, detail) => badge.set(state, detail),
    onEvent: (message) => {
      if (message.event !== 'status') return;
      const data = eventData(message);
      const id = typeof data?.agentId === 'string' ? data.agentId : undefined;
      if (!data || !id) return;
      const known = agents.get(id);
      if (!known) {
        void load();
        return;
      }
      known.status = {
        phase: typeof data.phase === 'string' ? data.phase : known.status.phase,
        activity: typeof data.activity === 'string' ? data.activity : null,
        detail: data.detail ?? null,
        commandId: typeof data.commandId === 'string' ? data.commandId : null,
        at: typeof data.at === 'string' ? data.at : new Date().toISOString(),
      };
      flashing.add(id);
      render();
    },
  });

  return {
    el,
    dispose: () => {
      stop();
      clearInterval(reload);
    },
  };
}

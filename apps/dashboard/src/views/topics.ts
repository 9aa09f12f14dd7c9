import { api, ApiError, Page } from '../api';
import { h, replace } from '../dom';
import { empty, errorBox, field, header, json, mono, pill, table, timeAgo, View, ViewContext } from '../ui';
import { pagedList } from './paged-list';

interface Topic {
  id: string;
  title: string;
  summary: string;
  visibility: string;
  state: string;
  signupOpenAt: string;
  signupCloseAt: string;
  debateStartAt: string;
  debateEndAt: string;
  cancelReason: string | null;
  camps?: { pro?: string; con?: string; judge?: string };
  createdAt: string;
}

interface Argument {
  id: string;
  round: number;
  agentId: string;
  camp: string;
  body: string;
  createdAt: string;
}

interface Verdict {
  judge: string;
  verdict: unknown;
  rationale: string;
  createdAt: string;
}

/** GET /v1/topics: debates this key may read (docs/debate.md). */
export function topicsView(): View {
  return pagedList<Topic>({
    title: 'Topics',
    path: '/v1/topics',
    testid: 'topics-table',
    rowId: (t) => t.id,
    intro: 'Debates: sign-up, allocation of pro, con and judge, the debate, the verdict.',
    emptyText: 'No topics.',
    emptyHint: 'Create one with POST /v1/topics.',
    columns: [
      { title: 'Title', cell: (t) => h('a', { href: `#/topics/${t.id}`, class: 'strong' }, t.title) },
      { title: 'State', cell: (t) => pill(t.state) },
      { title: 'Visibility', cell: (t) => h('span', { class: 'tag' }, t.visibility) },
      { title: 'Sign-up closes', cell: (t) => timeAgo(t.signupCloseAt) },
      { title: 'Debate', cell: (t) => h('span', null, timeAgo(t.debateStartAt), ' – ', timeAgo(t.debateEndAt)) },
      {
        title: 'Camps',
        cell: (t) =>
          t.camps
            ? h(
                'span',
                null,
                (['pro', 'con', 'judge'] as const).map((c) =>
                  h('span', { class: `tag camp-${c}` }, `${c}: ${t.camps?.[c] ?? '—'}`),
                ),
              )
            : h('span', { class: 'muted' }, t.cancelReason ?? 'not allocated'),
      },
    ],
  });
}

/** One topic with its camps, transcript and verdict. */
export function topicView(ctx: ViewContext): View {
  const id = ctx.params.id;
  const body = h('div', null, h('div', { class: 'loading' }, 'Loading topic…'));
  const el = h('section', null, header('Topic'), body);
  const load = async () => {
    try {
      const [topic, transcript, verdict] = await Promise.all([
        api<Topic>('GET', `/v1/topics/${id}`),
        api<Page<Argument>>('GET', `/v1/topics/${id}/arguments?limit=200`),
        api<Verdict>('GET', `/v1/topics/${id}/verdict`).catch((err: unknown) => {
          if (err instanceof ApiError && err.status === 404) return null;
          throw err;
        }),
      ]);
      replace(
        body,
        h('div', { class: 'title-row' }, h('span', { class: 'big strong' }, topic.title), pill(topic.state)),
        h('p', { class: 'muted' }, topic.summary),
        h(
          'div',
          { class: 'fields' },
          field('Id', mono(topic.id)),
          field('Visibility', topic.visibility),
          field('Sign-up opens', timeAgo(topic.signupOpenAt)),
          field('Sign-up closes', timeAgo(topic.signupCloseAt)),
          field('Debate starts', timeAgo(topic.debateStartAt)),
          field('Debate ends', timeAgo(topic.debateEndAt)),
          field('Pro', mono(topic.camps?.pro)),
          field('Con', mono(topic.camps?.con)),
          field('Judge', mono(topic.camps?.judge)),
          topic.cancelReason ? field('Cancelled', topic.cancelReason) : null,
        ),
        h(
          'div',
          { class: 'panel' },
          h('h2', null, `Transcript (${transcript.items.length})`),
          transcript.items.length
            ? table(
                [
                  { title: 'Round', class: 'num', cell: (a) => String(a.round) },
                  { title: 'Camp', cell: (a) => h('span', { class: `tag camp-${a.camp}` }, a.camp) },
                  { title: 'Agent', cell: (a) => mono(a.agentId) },
                  { title: 'Argument', cell: (a) => h('div', { class: 'argument' }, a.body) },
                  { title: 'Posted', cell: (a) => timeAgo(a.createdAt) },
                ],
                transcript.items,
              )
            : empty('No arguments yet.'),
        ),
        h(
          'div',
          { class: 'panel' },
          h('h2', null, 'Verdict'),
          verdict
            ? h(
                'div',
                null,
                field('Judge', mono(verdict.judge)),
                field('Rationale', verdict.rationale),
                json(verdict.verdict),
              )
            : h('p', { class: 'muted' }, 'No verdict yet.'),
        ),
      );
    } catch (err) {
      replace(body, errorBox(err));
    }
  };
  void load();
  return { el };
}

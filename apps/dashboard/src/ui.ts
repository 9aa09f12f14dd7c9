import { ApiError } from './api';
import { Child, h } from './dom';
import { relativeTime, shortId, toneOf } from './lib/format';

/** What a view gets from the shell. */
export interface ViewContext {
  params: Record<string, string>;
  query: URLSearchParams;
  navigate(hash: string): void;
}

/** A mounted view: its element, and what to stop when it is left. */
export interface View {
  el: HTMLElement;
  dispose?(): void;
}

export function pill(state: string | null | undefined, testid?: string): HTMLElement {
  return h('span', { class: `pill tone-${toneOf(state)}`, testid }, state ?? '—');
}

export function idLink(id: string | null | undefined, hash: string): Child {
  if (!id) return h('span', { class: 'muted' }, '—');
  return h('a', { class: 'mono', href: hash, title: id }, shortId(id));
}

export function commandLink(id: string | null | undefined): Child {
  return id ? idLink(id, `#/commands/${id}`) : h('span', { class: 'muted' }, '—');
}

export function mono(text: string | null | undefined): HTMLElement {
  return h('span', { class: 'mono' }, text ?? '—');
}

/** A relative time that keeps itself current (see startClock); the exact instant on hover. */
export function timeAgo(iso: string | null | undefined): HTMLElement {
  const el = h('time', { class: 'ago', title: iso ?? '' }, relativeTime(iso, Date.now()));
  if (iso) el.dataset.at = iso;
  return el;
}

/** Refreshes every relative time on the page once a second. */
export function startClock(): void {
  setInterval(() => {
    const now = Date.now();
    for (const el of document.querySelectorAll<HTMLElement>('time[data-at]')) {
      el.textContent = relativeTime(el.dataset.at, now);
    }
  }, 1_000);
}

export interface Column<T> {
  title: string;
  cell: (row: T) => Child;
  class?: string;
}

export function table<T>(
  columns: Column<T>[],
  rows: T[],
  options: { testid?: string; rowId?: (row: T) => string } = {},
) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { testid: options.testid },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          columns.map((c) => h('th', { class: c.class }, c.title)),
        ),
      ),
      h(
        'tbody',
        null,
        rows.map((row) => {
          const tr = h(
            'tr',
            null,
            columns.map((c) => h('td', { class: c.class }, c.cell(row))),
          );
          if (options.rowId) tr.dataset.id = options.rowId(row);
          return tr;
        }),
      ),
    ),
  );
}

export function empty(text: string, hint?: Child): HTMLElement {
  return h('div', { class: 'empty' }, h('p', null, text), hint ? h('p', { class: 'muted' }, hint) : null);
}

export function errorBox(err: unknown): HTMLElement {
  if (err instanceof ApiError) {
    const hint =
      err.status === 401
        ? 'This route needs another kind of key: commands and schedules take an API key (sy_…); add one with “Add key”.'
        : undefined;
    return h(
      'div',
      { class: 'error-box', testid: 'error' },
      h('strong', null, `${err.status} ${err.problem?.title ?? ''}`),
      h('div', null, err.message),
      hint ? h('div', { class: 'muted' }, hint) : null,
    );
  }
  return h('div', { class: 'error-box', testid: 'error' }, err instanceof Error ? err.message : String(err));
}

/** The button under a keyset-paged table that loads the next page; nothing on the last page. */
export function moreButton(
  nextCursor: string | null | undefined,
  load: (cursor: string) => void,
  label: string,
  testid?: string,
): HTMLElement | null {
  if (!nextCursor) return null;
  return h('button', { class: 'btn ghost', testid, on: { click: () => load(nextCursor) } }, label);
}

export function header(title: string, ...right: Child[]): HTMLElement {
  return h('div', { class: 'view-header' }, h('h1', null, title), h('div', { class: 'view-actions' }, right));
}

export function toast(message: Child, tone: 'ok' | 'bad' = 'ok'): void {
  const host = document.getElementById('toasts');
  if (!host) return;
  const el = h('div', { class: `toast tone-${tone}`, testid: 'toast' }, message);
  host.appendChild(el);
  setTimeout(() => el.remove(), 6_000);
}

export function json(value: unknown, testid?: string): HTMLElement {
  return h('pre', { class: 'json', testid }, value === undefined ? '—' : JSON.stringify(value, null, 2));
}

/** A small "live" indicator for a stream. */
export function liveBadge(): { el: HTMLElement; set(state: string, detail?: string): void } {
  const el = h('span', { class: 'live-badge', testid: 'live-badge' }, 'connecting');
  return {
    el,
    set(state, detail) {
      el.textContent = state === 'live' ? 'live' : state;
      el.dataset.state = state;
      el.title = detail ?? '';
    },
  };
}

export function field(label: string, value: Child): HTMLElement {
  return h(
    'div',
    { class: 'field' },
    h('div', { class: 'field-label' }, label),
    h('div', { class: 'field-value' }, value),
  );
}

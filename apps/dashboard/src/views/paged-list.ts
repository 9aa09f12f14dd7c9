import { api, Page, query } from '../api';
import { Child, h, replace } from '../dom';
import { Column, empty, errorBox, header, moreButton, table, View } from '../ui';

export interface PagedListSpec<T> {
  title: string;
  path: string;
  columns: Column<T>[];
  emptyText: string;
  emptyHint?: Child;
  testid: string;
  rowId: (row: T) => string;
  intro?: Child;
}

/** A read-only, keyset-paged listing (`{ items, nextCursor }`), oldest or newest first as the route gives it. */
export function pagedList<T>(spec: PagedListSpec<T>): View {
  const list = h('div', null, h('div', { class: 'loading' }, `Loading ${spec.title.toLowerCase()}…`));
  const more = h('div', { class: 'pager' });
  const el = h(
    'section',
    null,
    header(spec.title, h('button', { class: 'btn ghost', on: { click: () => void load(undefined) } }, 'Refresh')),
    spec.intro ? h('p', { class: 'intro muted' }, spec.intro) : null,
    list,
    more,
  );
  let rows: T[] = [];
  const load = async (cursor: string | undefined) => {
    try {
      const page = await api<Page<T>>('GET', `${spec.path}${query({ limit: '100', cursor })}`);
      rows = cursor ? [...rows, ...page.items] : page.items;
      replace(
        list,
        rows.length
          ? table(spec.columns, rows, { testid: spec.testid, rowId: spec.rowId })
          : empty(spec.emptyText, spec.emptyHint),
      );
      replace(
        more,
        moreButton(page.nextCursor, (c) => void load(c), 'Load more'),
      );
    } catch (err) {
      replace(list, errorBox(err));
    }
  };
  void load(undefined);
  return { el };
}

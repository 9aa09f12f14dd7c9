import type { Ctx } from '../context';
import type { ApiRequest } from '../requests';

export interface Page {
  items: Record<string, unknown>[];
  nextCursor: string | null;
}

/**
 * One page, or with `all` every page from the given cursor on, following
 * `nextCursor` (a spinner counts them on a terminal). The result has the
 * gateway's page shape either way, so `--json` output parses the same.
 */
export async function fetchPages(ctx: Ctx, req: ApiRequest, all: boolean, what: string): Promise<Page> {
  const first = asPage((await ctx.client().call(req, ctx.signal)).body);
  if (!all) return first;
  const items = [...first.items];
  let cursor = first.nextCursor;
  const progress = ctx.out.progress(`fetching ${what}: ${items.length}`);
  try {
    while (cursor) {
      const next = asPage((await ctx.client().call({ ...req, query: { ...req.query, cursor } }, ctx.signal)).body);
      items.push(...next.items);
      cursor = next.nextCursor;
      progress.update(`fetching ${what}: ${items.length}`);
    }
  } finally {
    progress.stop();
  }
  return { items, nextCursor: null };
}

/** Prints a page: JSON as is, or the table and, when there is more, how to get it. */
export function printPage(ctx: Ctx, page: Page, render: (items: Page['items']) => string): void {
  if (ctx.out.json) return ctx.out.printJson(page);
  ctx.out.print(render(page.items));
  if (page.nextCursor) ctx.out.note(ctx.out.ce.dim(`more: --cursor ${page.nextCursor} (or --all)`));
}

function asPage(body: unknown): Page {
  const page = (body ?? {}) as Partial<Page>;
  return { items: Array.isArray(page.items) ? page.items : [], nextCursor: page.nextCursor ?? null };
}

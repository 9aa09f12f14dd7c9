import { stripVTControlCharacters } from 'node:util';
import pc from 'picocolors';

/**
 * Human output: tables and detail views of what the gateway answered. Pure:
 * every function takes the palette (colours on a terminal, none otherwise)
 * and returns text; `--json` output bypasses this file.
 */
export type Palette = ReturnType<typeof pc.createColors>;

export function palette(enabled: boolean): Palette {
  return pc.createColors(enabled);
}

type Json = Record<string, unknown>;

export function visibleLength(text: string): number {
  return stripVTControlCharacters(text).length;
}

/** Columns padded to their widest cell (colour codes not counted); the last column is not padded. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], c: Palette): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i] - visibleLength(cell))))
      .join('  ')
      .trimEnd();
  return [c.bold(line(headers)), ...rows.map(line)].join('\n');
}

/** A command state, coloured by how it ended (or that it has not). */
export function state(value: unknown, c: Palette): string {
  const text = str(value);
  switch (text) {
    case 'succeeded':
      return c.green(text);
    case 'failed':
    case 'stuck':
      return c.red(text);
    case 'cancelled':
    case 'expired':
      return c.yellow(text);
    case 'running':
    case 'dispatched':
      return c.cyan(text);
    case 'queued':
    case 'scheduled':
      return c.blue(text);
    default:
      return text;
  }
}

/** An agent phase, coloured. */
export function phase(value: unknown, c: Palette): string {
  const text = str(value);
  switch (text) {
    case 'idle':
      return c.green(text);
    case 'busy':
      return c.cyan(text);
    case 'draining':
      return c.yellow(text);
    case 'error':
      return c.red(text);
    case 'offline':
      return c.dim(text);
    default:
      return text;
  }
}

export function targetText(target: unknown): string {
  if (isObject(target)) {
    if (typeof target.agent === 'string') return `agent:${target.agent}`;
    if (typeof target.pool === 'string') return `pool:${target.pool}`;
  }
  return str(target);
}

export function commandList(items: readonly Json[], c: Palette): string {
  if (!items.length) return c.dim('no commands');
  return table(
    ['ID', 'STATE', 'TARGET', 'TYPE', 'ATTEMPT', 'CREATED'],
    items.map((i) => [
      str(i.id),
      state(i.state, c),
      targetText(i.target),
      str(i.type),
      `${str(i.attempt)}/${str(i.maxAttempts)}`,
      str(i.createdAt),
    ]),
    c,
  );
}

export function commandDetail(cmd: Json, c: Palette): string {
  const fields: [string, string][] = [
    ['id', str(cmd.id)],
    ['state', state(cmd.state, c)],
    ['target', targetText(cmd.target)],
    ['type', str(cmd.type)],
    ['mode', str(cmd.mode)],
    ['attempt', `${str(cmd.attempt)}/${str(cmd.maxAttempts)}`],
    ['assigned', str(cmd.assignedAgent)],
    ['caller', str(cmd.caller)],
    ['idempotency key', str(cmd.idempotencyKey)],
    ['parent', str(cmd.parentId)],
    ['run at', str(cmd.runAt)],
    ['deadline', str(cmd.deadline)],
    ['created', str(cmd.createdAt)],
    ['finished', str(cmd.finishedAt)],
  ];
  const lines = keyValues(
    fields.filter(([, v]) => v !== '-'),
    c,
  );
  lines.push(`${c.bold('payload')}  ${compact(cmd.payload)}`);
  if (cmd.result !== undefined && cmd.result !== null) lines.push(`${c.bold('result')}   ${compact(cmd.result)}`);
  if (cmd.error !== undefined && cmd.error !== null) lines.push(`${c.bold('error')}    ${c.red(compact(cmd.error))}`);
  const children = Array.isArray(cmd.children) ? (cmd.children as Json[]) : [];
  if (children.length) {
    lines.push('', c.bold('children'));
    for (const child of children) lines.push(`  ${str(child.id)}  ${state(child.state, c)}  ${str(child.type)}`);
  }
  const events = Array.isArray(cmd.events) ? (cmd.events as Json[]) : [];
  if (events.length) {
    lines.push('', c.bold('events'));
    for (const e of events) {
      const move = e.from ? `${str(e.from)} → ${state(e.to, c)}` : state(e.to, c);
      const agent = e.agentId ? `  ${c.dim(str(e.agentId))}` : '';
      lines.push(`  ${c.dim(str(e.at))}  ${str(e.event).padEnd(14)} ${move}  attempt ${str(e.attempt)}${agent}`);
    }
  }
  return lines.join('\n');
}

/** The answer to an async submit (or a sync one that succeeded). */
export function submitted(body: Json, replayed: boolean, c: Palette): string {
  const lines = [`${str(body.id)}  ${state(body.state, c)}${replayed ? c.dim('  (idempotent replay)') : ''}`];
  if (body.result !== undefined) lines.push(compact(body.result));
  return lines.join('\n');
}

export function agentList(items: readonly Json[], c: Palette): string {
  if (!items.length) return c.dim('no agents');
  return table(
    ['ID', 'PHASE', 'POOLS', 'CONCURRENCY', 'ACTIVITY', 'LAST HEARTBEAT'],
    items.map((a) => {
      const status = isObject(a.status) ? a.status : {};
      return [
        str(a.id),
        phase(status.phase, c),
        Array.isArray(a.pools) && a.pools.length ? a.pools.map(str).join(',') : '-',
        str(a.concurrency),
        str(status.activity),
        str(a.lastHeartbeatAt),
      ];
    }),
    c,
  );
}

export function mintedKey(body: Json, c: Palette): string {
  const agent = isObject(body.agent) ? body.agent : {};
  const pools = Array.isArray(agent.pools) && agent.pools.length ? ` (pools: ${agent.pools.map(str).join(', ')})` : '';
  return [
    `agent ${str(agent.id)} registered${pools}`,
    ...keyValues(
      [
        ['key id', str(body.keyId)],
        ['api key', c.bold(str(body.apiKey))],
      ],
      c,
    ),
    c.yellow('the API key is shown once: store it now'),
  ].join('\n');
}

export function deadLetterList(items: readonly Json[], c: Palette): string {
  if (!items.length) return c.dim('no dead letters');
  return table(
    ['ID', 'COMMAND', 'TYPE', 'TARGET', 'REASON', 'CREATED', 'RESOLVED', 'REPLAYED AS'],
    items.map((d) => [
      str(d.id),
      str(d.commandId),
      str(d.type),
      targetText(d.target),
      c.red(str(d.reason)),
      str(d.createdAt),
      d.resolvedAt ? c.green(str(d.resolvedAt)) : '-',
      str(d.replayCommandId),
    ]),
    c,
  );
}

export function replayed(body: Json, c: Palette): string {
  const command = isObject(body.command) ? body.command : {};
  return `replayed as command ${str(command.id)}  ${state(command.state, c)}`;
}

export function scheduleList(items: readonly Json[], c: Palette): string {
  if (!items.length) return c.dim('no schedules');
  return table(
    ['ID', 'NAME', 'CRON', 'TIMEZONE', 'TARGET', 'TYPE', 'NEXT FIRE'],
    items.map((s) => {
      const command = isObject(s.command) ? s.command : {};
      return [
        str(s.id),
        str(s.name),
        str(s.cron),
        str(s.timezone),
        targetText(command.target),
        str(command.type),
        str(s.nextFireAt),
      ];
    }),
    c,
  );
}

export function triggerList(items: readonly Json[], c: Palette): string {
  if (!items.length) return c.dim('no triggers');
  return table(
    ['ID', 'PATTERN', 'TARGET', 'TYPE', 'CREATED'],
    items.map((t) => [str(t.id), str(t.subjectPattern), targetText(t.target), str(t.type), str(t.createdAt)]),
    c,
  );
}

/** One server-sent event as a line: time, id, event name, then what it says. */
export function streamEvent(event: { id?: string; event?: string; data: unknown }, c: Palette): string {
  const data = isObject(event.data) ? event.data : {};
  const at = typeof data.at === 'string' ? (data.at.split('T')[1] ?? data.at) : '';
  const head = `${c.dim(at)} ${c.dim(`#${event.id ?? '-'}`)} ${c.bold(event.event ?? 'message')}`;
  if (event.event === 'status') {
    const parts = [str(data.agentId), phase(data.phase, c)];
    if (data.activity) parts.push(str(data.activity));
    if (data.commandId) parts.push(c.dim(`command ${str(data.commandId)}`));
    return `${head} ${parts.join('  ')}`;
  }
  const parts = [data.from ? `${str(data.from)} → ${state(data.state, c)}` : state(data.state, c)];
  if (data.attempt !== undefined) parts.push(`attempt ${str(data.attempt)}`);
  if (data.agentId) parts.push(c.dim(str(data.agentId)));
  if (data.error) parts.push(c.red(compact(data.error)));
  else if (data.result !== undefined) parts.push(compact(data.result));
  return `${head} ${parts.join('  ')}`;
}

/** A gateway problem (or any error body) as lines for stderr. */
export function problem(status: number, body: unknown, c: Palette): string[] {
  if (!isObject(body)) return [c.red(`the gateway answered ${status}`)];
  const title = typeof body.title === 'string' ? body.title : `HTTP ${status}`;
  const detail = typeof body.detail === 'string' ? `: ${body.detail}` : '';
  const lines = [c.red(`${status} ${title}${detail}`)];
  if (Array.isArray(body.errors)) {
    for (const e of body.errors as unknown[])
      if (isObject(e)) lines.push(`  ${c.bold(str(e.field))}: ${str(e.message)}`);
  }
  if (typeof body.id === 'string') lines.push(`  command ${body.id}${body.state ? ` is ${str(body.state)}` : ''}`);
  if (isObject(body.error)) lines.push(`  error: ${compact(body.error)}`);
  return lines;
}

function keyValues(pairs: readonly [string, string][], c: Palette): string[] {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${c.bold(k.padEnd(width))}  ${v}`);
}

export function compact(value: unknown): string {
  if (value === undefined) return '-';
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 400 ? `${text.slice(0, 399)}…` : text;
}

function str(value: unknown): string {
  if (value === undefined || value === null || value === '') return '-';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

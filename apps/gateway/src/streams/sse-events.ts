import type { MessageEvent } from '@nestjs/common';
import type { FollowedMessage } from '@switchyard/messaging';

/** Event names a client can register with `addEventListener`; anything else is named by its stream. */
const EVENT_NAME = /^[a-z][a-z0-9_.-]{0,63}$/;

/** The SSE comment written on an idle stream, so proxies keep the connection open. */
export const KEEP_ALIVE: MessageEvent = { comment: 'keep-alive' };

/**
 * A command lifecycle event as an SSE event: `id` the stream sequence, `event`
 * the lifecycle event's name (submit, claim, accept, progress, succeed, …),
 * `data` the message as published. Undefined for a message that is not a
 * JSON object (nothing the services publish): it is skipped.
 */
export function commandEvent(message: FollowedMessage): MessageEvent | undefined {
  const body = jsonObject(message.data);
  if (!body) return undefined;
  const name = typeof body.event === 'string' && EVENT_NAME.test(body.event) ? body.event : 'lifecycle';
  return { id: String(message.seq), type: name, data: body };
}

/**
 * An agent status as an SSE event named `status`: the message as published,
 * with `agentId` read from its subject (the all-agents stream mixes agents,
 * and a status message does not name its agent).
 */
export function statusEvent(message: FollowedMessage, agentId: string | undefined): MessageEvent | undefined {
  const body = jsonObject(message.data);
  if (!body || !agentId) return undefined;
  return { id: String(message.seq), type: 'status', data: { ...body, agentId } };
}

function jsonObject(data: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

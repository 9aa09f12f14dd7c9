import { createParser } from 'eventsource-parser';
import type { EventSourceMessage } from 'eventsource-parser';
import { authHeaders } from './lib/keys';
import { loadKeys } from './session';

export type StreamState = 'connecting' | 'live' | 'retrying' | 'refused';

export interface StreamHandlers {
  onEvent(message: EventSourceMessage): void;
  onState?(state: StreamState, detail?: string): void;
}

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 15_000;

/**
 * Follows a server-sent event stream with `fetch`, not `EventSource`:
 * EventSource cannot send headers, and the keys must not go in the URL (it
 * ends up in logs and history). So the keys go as headers, the body is read
 * as a stream and parsed with eventsource-parser, and a dropped connection
 * is resumed with `Last-Event-ID` set to the last id seen, as EventSource
 * would (the gateway replays what came after it: docs/status-streams.md).
 * A refusal (4xx) stops the stream. Returns the function that stops it.
 */
export function followStream(path: string, handlers: StreamHandlers): () => void {
  const controller = new AbortController();
  let lastEventId: string | undefined;
  let retryMs = FIRST_RETRY_MS;
  let serverRetryMs: number | undefined;

  const parser = createParser({
    onEvent: (message) => {
      if (message.id) lastEventId = message.id;
      handlers.onEvent(message);
    },
    onRetry: (ms) => {
      serverRetryMs = ms;
    },
  });

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      controller.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });

  const run = async () => {
    while (!controller.signal.aborted) {
      handlers.onState?.(lastEventId ? 'retrying' : 'connecting');
      try {
        const res = await fetch(path, {
          headers: {
            accept: 'text/event-stream',
            ...authHeaders(loadKeys()),
            ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
          },
          signal: controller.signal,
          cache: 'no-store',
        });
        if (res.status === 400 && lastEventId) {
          // The resume point is gone (stream recreated): start again from what the stream retains.
          lastEventId = undefined;
          continue;
        }
        if (!res.ok || !res.body) {
          handlers.onState?.('refused', `HTTP ${res.status}`);
          return;
        }
        handlers.onState?.('live');
        retryMs = FIRST_RETRY_MS;
        parser.reset();
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch (err) {
        if (controller.signal.aborted) break;
        handlers.onState?.('retrying', err instanceof Error ? err.message : String(err));
      }
      if (controller.signal.aborted) break;
      handlers.onState?.('retrying');
      await sleep(serverRetryMs ?? retryMs);
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    }
    // Stopped by the caller: it no longer listens, so nothing more is reported.
  };
  void run();
  return () => controller.abort();
}

/** The JSON body of an event, or undefined when it is not a JSON object. */
export function eventData(message: EventSourceMessage): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(message.data);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

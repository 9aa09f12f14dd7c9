import { createParser } from 'eventsource-parser';
import type { GatewayClient } from './gateway-client';
import { readJson, responseError } from './gateway-client';
import type { ApiRequest } from './requests';

export interface StreamMessage {
  id?: string;
  event?: string;
  /** The event's data, parsed as JSON (the text itself if it is not JSON). */
  data: unknown;
}

export interface FollowOptions {
  /** Resume after this event id (sent as Last-Event-ID). */
  since?: string;
  /** Ends the follow (Ctrl-C, or the caller saw what it waited for). */
  signal: AbortSignal;
  /** Called on every (re)connection once the stream answered 200. */
  onOpen?: () => void;
  /** Return true to stop following. */
  onEvent: (message: StreamMessage) => boolean;
  /** Pause before reconnecting after the server ended the stream or the connection dropped. */
  reconnectDelayMs?: number;
}

/**
 * Follows a server-sent event stream until `signal` aborts or `onEvent` says
 * stop. A stream that drops after it was open is reopened with the last
 * event id seen as Last-Event-ID, so nothing the gateway still retains is
 * missed or repeated; a refusal (4xx/5xx) or a first connection that fails is
 * thrown as a CliError.
 */
export async function followStream(client: GatewayClient, req: ApiRequest, options: FollowOptions): Promise<void> {
  let lastId = options.since;
  let opened = false;
  while (!options.signal.aborted) {
    const connection = new AbortController();
    const abort = () => connection.abort();
    options.signal.addEventListener('abort', abort, { once: true });
    try {
      let res: Response;
      try {
        const headers: Record<string, string> = { accept: 'text/event-stream' };
        if (lastId) headers['last-event-id'] = lastId;
        res = await client.open(req, headers, connection.signal);
      } catch (err) {
        if (options.signal.aborted) return;
        if (!opened) throw err;
        await pause(options.reconnectDelayMs ?? 1_000, options.signal);
        continue;
      }
      if (!res.ok || !res.body) throw responseError(res.status, await readJson(res));
      opened = true;
      options.onOpen?.();
      let stop = false;
      const parser = createParser({
        onEvent: (e) => {
          if (stop) return;
          if (e.id) lastId = e.id;
          stop = options.onEvent({ id: e.id, event: e.event, data: parseData(e.data) });
        },
      });
      const decoder = new TextDecoder();
      try {
        for await (const chunk of res.body) {
          parser.feed(decoder.decode(chunk, { stream: true }));
          if (stop) break;
        }
      } catch {
        // The connection dropped, or was aborted: decided below.
      }
      if (stop || options.signal.aborted) return;
      await pause(options.reconnectDelayMs ?? 1_000, options.signal);
    } finally {
      options.signal.removeEventListener('abort', abort);
      connection.abort();
    }
  }
}

function parseData(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

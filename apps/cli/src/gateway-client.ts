import { credentialHeaders, type CliSettings } from './cli-config';
import { palette, problem as problemLines } from './format';
import { CliError, EXIT, exitCodeForResponse, problemSlug } from './exit-codes';
import type { ApiRequest } from './requests';

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** The gateway's HTTP API over fetch: credentials per route, JSON bodies, errors as CliError with their exit code. */
export class GatewayClient {
  constructor(
    private readonly settings: CliSettings,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  url(req: ApiRequest): string {
    const query = req.query && Object.keys(req.query).length ? `?${new URLSearchParams(req.query).toString()}` : '';
    return `${this.settings.url}${req.path}${query}`;
  }

  /** Sends the request and returns the raw response (the caller reads the body: JSON or an event stream). */
  async open(req: ApiRequest, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
    const init: RequestInit = {
      method: req.method,
      headers: {
        accept: 'application/json, application/problem+json',
        ...credentialHeaders(this.settings, req.auth),
        ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: req.body !== undefined ? JSON.stringify(req.body) : undefined,
      signal,
    };
    try {
      return await this.fetchImpl(this.url(req), init);
    } catch (err) {
      if (signal?.aborted) throw err;
      throw unreachable(this.settings.url, err);
    }
  }

  /** Any answer, with its JSON body read. */
  async request(req: ApiRequest, signal?: AbortSignal): Promise<ApiResponse> {
    const res = await this.open(req, {}, signal);
    return { status: res.status, headers: res.headers, body: await readJson(res) };
  }

  /** A 2xx answer; anything else throws a CliError carrying the problem and its exit code. */
  async call(req: ApiRequest, signal?: AbortSignal): Promise<ApiResponse> {
    const res = await this.request(req, signal);
    if (res.status < 200 || res.status >= 300) throw responseError(res.status, res.body);
    return res;
  }
}

export async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The CliError for a non-2xx answer; its message is the problem's title and detail. */
export function responseError(status: number, body: unknown): CliError {
  const problem = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const title = typeof problem.title === 'string' ? problem.title : `HTTP ${status}`;
  const detail = typeof problem.detail === 'string' ? `: ${problem.detail}` : '';
  const code = exitCodeForResponse(status, problemSlug(problem.type));
  return new CliError(`${status} ${title}${detail}`, code, body, problemLines(status, body, palette(false)).slice(1));
}

function unreachable(url: string, err: unknown): CliError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (err as Error).message;
  return new CliError(`cannot reach the gateway at ${url}: ${why}`, EXIT.unavailable);
}

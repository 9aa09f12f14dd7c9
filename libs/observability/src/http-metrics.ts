import type { NextFunction, Request, Response } from 'express';
import { httpRequestDuration } from './metric-catalog';

/**
 * Duration of answered HTTP requests by method, route pattern and status
 * class. Only requests that matched a route are counted (the route pattern
 * keeps the label set small; static files, 404s and unknown paths have none),
 * and event streams are left out: they last as long as the client stays.
 */
export function httpRequestMetrics(): (req: Request, res: Response, next: NextFunction) => void {
  const durations = httpRequestDuration;
  return (req, res, next) => {
    const end = durations.startTimer();
    res.once('finish', () => {
      const route = (req.route as { path?: unknown } | undefined)?.path;
      if (typeof route !== 'string') return;
      if (String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) return;
      end({ method: req.method, route, status: `${Math.floor(res.statusCode / 100)}xx` });
    });
    next();
  };
}

import { existsSync } from 'node:fs';
import path from 'node:path';
import { Logger } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Response } from 'express';

/** Where the operator dashboard is served. */
export const DASHBOARD_PREFIX = '/ui';

/**
 * The page may load only its own scripts and styles and talk only to this
 * origin; uPlot sizes its elements through the CSSOM, which `style-src 'self'`
 * allows, but its legend also sets inline style attributes, hence 'unsafe-inline'.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * Serves the built dashboard (`npm run build` writes it to dist/dashboard)
 * under /ui. The shell loads without a key; every data call the page makes
 * carries the operator's key. File names under assets/ carry a content hash,
 * so they are cached for good; index.html is revalidated on every load.
 */
export function serveDashboard(app: INestApplication, dir: string): void {
  if (!existsSync(path.join(dir, 'index.html'))) {
    new Logger('Dashboard').warn(`no dashboard at ${dir}; run \`npm run build\` to serve it at ${DASHBOARD_PREFIX}`);
    return;
  }
  (app as NestExpressApplication).useStaticAssets(dir, {
    prefix: DASHBOARD_PREFIX,
    index: 'index.html',
    setHeaders: (res: Response, file: string) => {
      res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Referrer-Policy', 'no-referrer');
      const hashed = path.relative(dir, file).startsWith(`assets${path.sep}`);
      res.setHeader('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}

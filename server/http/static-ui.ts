// Serves the built player UI (renderer/dist) at `/` for any GET that no API route took.
import fs from 'node:fs/promises';
import path from 'node:path';
import type Koa from 'koa';
import { HttpError } from './errors.ts';
import { UI_SECURITY_HEADERS } from '../../protocol/csp.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export function staticUi(dir: string): Koa.Middleware {
  const rootDir = path.resolve(dir);
  return async (ctx, next) => {
    if (ctx.method !== 'GET' || ctx.body !== undefined) return next();
    let rel: string;
    try {
      rel = ctx.path === '/' ? 'index.html' : decodeURIComponent(ctx.path).replace(/^\/+/, '');
    } catch {
      throw new HttpError(400, 'BAD_REQUEST', 'malformed URL');
    }
    if (rel.includes('\0')) throw new HttpError(400, 'BAD_REQUEST', 'malformed URL');
    const file = path.resolve(rootDir, rel);
    if (!file.startsWith(rootDir + path.sep)) return next();
    try {
      const data = await fs.readFile(file);
      ctx.type = TYPES[path.extname(file)] ?? 'application/octet-stream';
      ctx.set(UI_SECURITY_HEADERS);
      if (rel.startsWith('assets/')) ctx.set('cache-control', 'public, max-age=31536000, immutable');
      ctx.body = data;
    } catch {
      return next();
    }
  };
}

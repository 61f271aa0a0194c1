import { createReadStream, existsSync, promises as fs, statSync } from 'fs';
import path from 'path';
import type { FastifyInstance, FastifyReply } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
  '.mjs': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticDirOptions {
  /** URL prefix without a trailing slash, e.g. `/dashboard`. */
  prefix: string;
  /** Directory served (resolved to an absolute path). */
  dir: string;
  /** File answered for `<prefix>` and `<prefix>/` (and unknown paths without an extension: SPA routing). Default index.html. */
  index?: string;
}

/**
 * Serves the files of a built web app (GET/HEAD only) without @fastify/static: a handful of files,
 * read from disk per request. Paths are resolved and must stay inside `dir` (no `..`, no symlink
 * escape, no dotfiles). Returns false (nothing registered) when `dir` does not exist.
 */
export function serveStaticDir(fastify: FastifyInstance, opts: StaticDirOptions): boolean {
  const root = path.resolve(opts.dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) return false;
  const index = opts.index ?? 'index.html';
  // Returns the reply: an async Fastify handler that sends a stream without returning it sends an empty body.
  const send = async (reply: FastifyReply, rel: string): Promise<FastifyReply> => {
    const clean = rel.split('?')[0];
    let decoded: string;
    try {
      decoded = decodeURIComponent(clean);
    } catch {
      return reply.code(400).type('text/plain; charset=utf-8').send('bad path');
    }
    const parts = decoded.split('/').filter(Boolean);
    if (parts.some((p) => p === '..' || p.startsWith('.') || p.includes('\0') || p.includes('\\'))) {
      return reply.code(404).type('text/plain; charset=utf-8').send('not found');
    }
    let file = path.join(root, ...parts);
    let real: string;
    try {
      const st = await fs.stat(file);
      if (st.isDirectory()) file = path.join(file, index);
      real = await fs.realpath(file);
    } catch {
      // SPA fallback: a route of the app (no extension) gets the index page.
      if (path.extname(decoded) === '') {
        file = path.join(root, index);
        try {
          real = await fs.realpath(file);
        } catch {
          return reply.code(404).type('text/plain; charset=utf-8').send('not found');
        }
      } else {
        return reply.code(404).type('text/plain; charset=utf-8').send('not found');
      }
    }
    if (real !== root && !real.startsWith(root + path.sep)) return reply.code(404).type('text/plain; charset=utf-8').send('not found');
    const type = TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream';
    const html = type.startsWith('text/html');
    return reply
      .type(type)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', html ? 'no-cache' : 'public, max-age=300')
      .send(createReadStream(real));
  };
  // Relative asset URLs in index.html need the trailing slash.
  fastify.get(opts.prefix, (_req, reply) => void reply.redirect(`${opts.prefix}/`, 301));
  fastify.get(`${opts.prefix}/*`, (req, reply) => send(reply, (req.params as Record<string, string>)['*'] ?? ''));
  return true;
}

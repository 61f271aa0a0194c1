import fastifyStatic from '@fastify/static';
import { existsSync, statSync } from 'fs';
import path from 'path';
import type { FastifyInstance, FastifyReply } from 'fastify';

export interface StaticDirOptions {
  /** URL prefix without a trailing slash, e.g. `/dashboard`. */
  prefix: string;
  /** Directory served (resolved to an absolute path). */
  dir: string;
  /** File answered for `<prefix>/` and for unknown paths without an extension (the app's own routes). Default index.html. */
  index?: string;
}

const notFound = (reply: FastifyReply) => reply.code(404).type('text/plain; charset=utf-8').send('not found');

/**
 * Serves the files of a built web app (GET/HEAD) with @fastify/static, which does the path
 * security (no `..`, encoded or not; dotfiles refused). An unknown path without an
 * extension gets the index page (the app routes itself); any other unknown path is a 404.
 * Returns false (nothing registered) when `dir` does not exist.
 */
export function serveStaticDir(fastify: FastifyInstance, opts: StaticDirOptions): boolean {
  const root = path.resolve(opts.dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) return false;
  const index = opts.index ?? 'index.html';
  // Relative asset URLs in index.html need the trailing slash.
  fastify.get(opts.prefix, (_req, reply) => void reply.redirect(`${opts.prefix}/`, 301));
  void fastify.register(
    async (scope) => {
      await scope.register(fastifyStatic, {
        root,
        prefix: '/',
        index: [index],
        dotfiles: 'ignore',
        cacheControl: false,
        setHeaders: (reply, file) => {
          void reply.header('x-content-type-options', 'nosniff').header('cache-control', file.endsWith('.html') ? 'no-cache' : 'public, max-age=300');
        },
      });
      scope.setNotFoundHandler((req, reply) => {
        const rel = (req.url.split('?')[0] ?? '').slice(opts.prefix.length);
        if (req.method !== 'GET' && req.method !== 'HEAD') return notFound(reply);
        if (path.extname(rel) !== '' || rel.split('/').some((p) => p.startsWith('.'))) return notFound(reply);
        return reply.header('x-content-type-options', 'nosniff').header('cache-control', 'no-cache').sendFile(index);
      });
    },
    { prefix: opts.prefix },
  );
  return true;
}

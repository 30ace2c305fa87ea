import { Controller, Get, Header, Param, Res, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { SyncWebConfig } from '@libs/config';
import { CommonError, CommonErrorCode } from '@libs/models';
import { DISCOGS_API_ORIGIN } from '@libs/sync-client';
import { WebAssets } from './web-assets';

interface Reply {
  header(name: string, value: string): Reply;
}

/** Config the page reads at start: where its client sends Discogs requests (demo only). */
export interface SyncPageConfig {
  demoDiscogsBaseUrl: string | null;
}

/** Serves the `/sync/` page, its scripts and its config, with a strict CSP. */
@Controller('sync')
export class WebController implements OnModuleInit {
  private readonly csp: string;

  constructor(
    private readonly assets: WebAssets,
    private readonly web: SyncWebConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    // The page talks to this origin (REST, socket.io) and to Discogs (or the demo API) only.
    const discogs = [DISCOGS_API_ORIGIN, web.demoDiscogsBaseUrl].filter(Boolean).join(' ');
    this.csp = [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      `connect-src 'self' ${discogs}`,
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; ');
  }

  // Nest maps `sync` and `sync/` to one route, but the page must live at `/sync/` (its assets
  // are relative), so these two are registered on Fastify directly.
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify?.get) return;
    fastify.get('/sync', (_request, reply) => reply.redirect('/sync/', 302));
    fastify.get('/sync/', (_request, reply) => {
      try {
        return reply.send(this.serve('index.html', reply));
      } catch {
        return reply
          .code(503)
          .send({ error: { code: 'unavailable', message: 'the sync page is not built' } });
      }
    });
  }

  @Get('config.json')
  @Header('Cache-Control', 'no-store')
  config(): SyncPageConfig {
    return { demoDiscogsBaseUrl: this.web.demoDiscogsBaseUrl ?? null };
  }

  @Get(':file')
  file(@Param('file') file: string, @Res({ passthrough: true }) reply: Reply): Buffer {
    return this.serve(file, reply);
  }

  @Get(':folder/:file')
  nested(
    @Param('folder') folder: string,
    @Param('file') file: string,
    @Res({ passthrough: true }) reply: Reply,
  ): Buffer {
    return this.serve(`${folder}/${file}`, reply);
  }

  private serve(path: string, reply: Reply): Buffer {
    if (!this.assets.built) {
      throw new CommonError(CommonErrorCode.Unavailable, 'the sync page is not built');
    }
    const asset = this.assets.get(path);
    if (!asset) throw new CommonError(CommonErrorCode.NotFound, 'no such file');
    reply
      .header('Content-Type', asset.type)
      .header('Content-Security-Policy', this.csp)
      .header('X-Content-Type-Options', 'nosniff')
      .header('Referrer-Policy', 'no-referrer')
      .header('Cache-Control', 'no-cache');
    return asset.body;
  }
}

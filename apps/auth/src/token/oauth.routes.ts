import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { IntrospectionService } from '../introspection/introspection.service';
import { RevocationService } from '../revocation/revocation.service';
import { oauthRoute } from './oauth-route';
import { TokenMetrics } from './token.metrics';
import { TokenService } from './token.service';

/** `POST /oauth2/token` (RFC 6749 §4.4), `/oauth2/introspect` (RFC 7662), `/oauth2/revoke` (RFC 7009). */
@Injectable()
export class OAuthRoutes implements OnApplicationBootstrap {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly tokens: TokenService,
    private readonly introspection: IntrospectionService,
    private readonly revocation: RevocationService,
    private readonly metrics: TokenMetrics,
  ) {}

  // After every module's init: app-wide Fastify hooks (request metrics) must exist before the
  // routes are added, or Fastify does not run them for these routes.
  onApplicationBootstrap(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const count = (endpoint: string, outcome: string) => this.metrics.outcome(endpoint, outcome);
    oauthRoute(fastify, '/oauth2/token', (request) => this.tokens.issue(request), count);
    oauthRoute(
      fastify,
      '/oauth2/introspect',
      (request) => this.introspection.introspect(request),
      count,
    );
    oauthRoute(fastify, '/oauth2/revoke', (request) => this.revocation.revoke(request), count);
  }
}

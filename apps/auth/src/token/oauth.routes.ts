import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { IntrospectionService } from '../introspection/introspection.service';
import { RevocationService } from '../revocation/revocation.service';
import { oauthRoute } from './oauth-route';
import { TokenService } from './token.service';

/** `POST /oauth2/token` (RFC 6749 §4.4), `/oauth2/introspect` (RFC 7662), `/oauth2/revoke` (RFC 7009). */
@Injectable()
export class OAuthRoutes implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly tokens: TokenService,
    private readonly introspection: IntrospectionService,
    private readonly revocation: RevocationService,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    oauthRoute(fastify, '/oauth2/token', (request) => this.tokens.issue(request));
    oauthRoute(fastify, '/oauth2/introspect', (request) => this.introspection.introspect(request));
    oauthRoute(fastify, '/oauth2/revoke', (request) => this.revocation.revoke(request));
  }
}

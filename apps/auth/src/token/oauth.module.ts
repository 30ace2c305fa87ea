import { Module } from '@nestjs/common';
import { CacheKeys } from '@libs/caching';
import { Keyspace } from '@libs/redis';
import { CacheStatsController } from '../admin/cache-stats.controller';
import { ClientAuthenticator } from '../clients/client-authenticator';
import { ClientLookup } from '../clients/client-lookup';
import { SecretVerifier } from '../clients/secret-verifier';
import { DiscoveryController } from '../discovery/discovery.controller';
import { IntrospectionService } from '../introspection/introspection.service';
import { AccessTokenVerifier } from '../keys/access-token.verifier';
import { SigningKeyRepository } from '../keys/signing-key.repository';
import { SigningKeys } from '../keys/signing-keys';
import { AuthFailureThrottle } from '../limits/auth-failure-throttle';
import { TokenRateLimiter } from '../limits/token-rate-limiter';
import { RevocationService } from '../revocation/revocation.service';
import { RevocationStore } from '../revocation/revocation.store';
import { OAuthRoutes } from './oauth.routes';
import { TokenMetrics } from './token.metrics';
import { TokenService } from './token.service';

/** The OAuth 2.0 server: token, introspection, revocation, discovery, JWKS. */
@Module({
  controllers: [DiscoveryController, CacheStatsController],
  providers: [
    {
      provide: CacheKeys,
      inject: [Keyspace],
      useFactory: (keyspace: Keyspace) => new CacheKeys(keyspace),
    },
    ClientLookup,
    SecretVerifier,
    ClientAuthenticator,
    AuthFailureThrottle,
    TokenRateLimiter,
    SigningKeyRepository,
    SigningKeys,
    AccessTokenVerifier,
    RevocationStore,
    TokenMetrics,
    TokenService,
    IntrospectionService,
    RevocationService,
    OAuthRoutes,
  ],
  exports: [SigningKeys],
})
export class OAuthModule {}

import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { TokenConfig } from '@libs/config';
import { ClientAuthenticator } from '../clients/client-authenticator';
import { SigningKeys } from '../keys/signing-keys';
import { TokenRateLimiter } from '../limits/token-rate-limiter';
import { TokenRecorder } from '../records/token-recorder';
import { TokenMetrics } from './token.metrics';
import { OAuthError } from './oauth.error';
import type { OAuthHttpRequest } from './oauth-route';
import { resolveScope } from './scopes';
import { parseTokenRequest } from './token-request.parser';

/** RFC 6749 §5.1 successful response. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/**
 * The client_credentials grant, checks in this order: parse → throttle → authenticate
 * (uniform failure) → grant allowed → source IP → scopes → rate limit → sign → durable record.
 * No database and no class-validator on this path; the client usually comes from memory.
 */
@Injectable()
export class TokenService {
  constructor(
    private readonly config: TokenConfig,
    private readonly authenticator: ClientAuthenticator,
    private readonly limiter: TokenRateLimiter,
    private readonly keys: SigningKeys,
    private readonly recorder: TokenRecorder,
    private readonly metrics: TokenMetrics,
  ) {}

  async issue(http: OAuthHttpRequest): Promise<TokenResponse> {
    const request = parseTokenRequest(http.contentType, http.body, http.authorization);
    // Answer at once rather than after ioredis's retries when the record buffer is unreachable.
    if (!this.recorder.ready)
      throw OAuthError.unavailable('token records cannot be written right now; retry');
    const client = await this.authenticator.authenticate(request, http.ip);
    if (!client.grantTypes.has('client_credentials')) {
      throw new OAuthError(
        'unauthorized_client',
        'this client may not use the client_credentials grant',
      );
    }
    if (!client.allowlist.allows(http.ip)) {
      throw new OAuthError(
        'unauthorized_client',
        'requests from this address are not allowed for this client',
      );
    }
    const scope = resolveScope(client, request.scopes);
    const rate = await this.limiter.consume(client.id, client.rateLimit);
    if (!rate.allowed) throw OAuthError.tooMany(rate.retryAfterSeconds, 'rate limit exceeded');
    const signer = this.keys.current();
    const iat = Math.floor(Date.now() / 1000);
    const ttl = client.accessTokenTtl ?? this.config.accessTokenTtl;
    const jti = randomUUID();
    const aud =
      request.audience.length === 0
        ? this.config.issuer
        : request.audience.length === 1
          ? request.audience[0]
          : request.audience;
    const claims = {
      iss: this.config.issuer,
      sub: client.id,
      client_id: client.id,
      aud,
      scope,
      iat,
      exp: iat + ttl,
      jti,
    };
    const token = signer.sign(claims);
    try {
      await this.recorder.record({
        jti,
        clientId: client.id,
        scope,
        audience: request.audience.join(' ') || this.config.issuer,
        issuedAt: iat,
        expiresAt: iat + ttl,
        sourceIp: http.ip,
      });
    } catch {
      // No durable record, no token: the caller retries.
      throw OAuthError.unavailable('the token could not be recorded; retry');
    }
    this.metrics.issued(client.id);
    return { access_token: token, token_type: 'Bearer', expires_in: ttl, scope };
  }
}

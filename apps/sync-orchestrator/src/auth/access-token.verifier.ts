import { Injectable } from '@nestjs/common';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { SyncJwtConfig } from '@libs/config';
import { CommonError, CommonErrorCode } from '@libs/models';

/** RFC 9068 §4: an access token's JOSE `typ` is `at+jwt` (the media-type form is allowed). */
const ACCESS_TOKEN_TYPES = new Set(['at+jwt', 'application/at+jwt']);

/** The authenticated user of a request or socket. */
export interface AuthenticatedUser {
  /** The token's `sub`. */
  userId: string;
}

/**
 * Verifies users' bearer access tokens against the configured issuer's JWKS (keys fetched and
 * cached by jose, refetched for an unknown `kid`). Every failure is one uniform 401.
 */
@Injectable()
export class AccessTokenVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly config: SyncJwtConfig) {
    this.jwks = createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: 5_000 });
  }

  async verify(token: string | undefined): Promise<AuthenticatedUser> {
    if (!token) throw unauthorized('a bearer access token is required');
    try {
      const { payload, protectedHeader } = await jwtVerify(token, this.jwks, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: [...this.config.algorithms],
        requiredClaims: ['sub', 'exp'],
      });
      if (!ACCESS_TOKEN_TYPES.has(String(protectedHeader.typ).toLowerCase())) {
        throw new Error('not an access token');
      }
      if (!payload.sub || payload.sub.length > 255) throw new Error('bad subject');
      return { userId: payload.sub };
    } catch {
      throw unauthorized('the access token is invalid or expired');
    }
  }
}

const unauthorized = (message: string) => new CommonError(CommonErrorCode.Unauthorized, message);

/** The token of an `Authorization: Bearer …` header. */
export function bearerToken(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)$/i.exec(header.trim());
  return match?.[1];
}

import { Injectable } from '@nestjs/common';
import { verify } from 'node:crypto';
import { TokenConfig } from '@libs/config';
import { SigningKeys } from './signing-keys';

/** The claims of an access token this issuer signed (RFC 9068). */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  client_id: string;
  aud: string | string[];
  scope: string;
  iat: number;
  exp: number;
  jti: string;
}

function decodeJson(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function isClaims(c: Record<string, unknown>): c is Record<string, unknown> & AccessTokenClaims {
  return (
    typeof c.iss === 'string' &&
    typeof c.client_id === 'string' &&
    typeof c.jti === 'string' &&
    typeof c.iat === 'number' &&
    typeof c.exp === 'number' &&
    typeof c.scope === 'string'
  );
}

/** Verifies this issuer's access tokens against its published keys (signature, typ, iss, expiry). */
@Injectable()
export class AccessTokenVerifier {
  constructor(
    private readonly keys: SigningKeys,
    private readonly config: TokenConfig,
  ) {}

  /** The claims, or undefined for anything not a valid token of ours (expired ones too, unless allowed). */
  verify(token: string, options: { allowExpired?: boolean } = {}): AccessTokenClaims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const header = decodeJson(parts[0]);
    if (header?.typ !== 'at+jwt' || typeof header.kid !== 'string') return undefined;
    const key = this.keys.verificationKey(header.kid);
    if (!key || (header.alg !== 'ES256' && header.alg !== 'EdDSA')) return undefined;
    const digest = header.alg === 'ES256' ? 'sha256' : null;
    const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
    const signature = Buffer.from(parts[2], 'base64url');
    if (!verify(digest, signed, { key, dsaEncoding: 'ieee-p1363' }, signature)) return undefined;
    const claims = decodeJson(parts[1]);
    if (!claims || !isClaims(claims) || claims.iss !== this.config.issuer) return undefined;
    if (!options.allowExpired && claims.exp <= Math.floor(Date.now() / 1000)) return undefined;
    return claims;
  }
}

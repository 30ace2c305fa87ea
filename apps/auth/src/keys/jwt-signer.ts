import { sign, type KeyObject } from 'node:crypto';
import { derToJoseSignature } from './ecdsa-signature';

export type SigningAlgorithm = 'ES256' | 'EdDSA';

/**
 * Compact JWS signing with node:crypto directly: the protected header segment is encoded once
 * per key, so a token costs one JSON.stringify, one base64url and one signature.
 */
export class JwtSigner {
  private readonly headerSegment: string;
  private readonly digest: string | null;

  constructor(
    readonly kid: string,
    readonly alg: SigningAlgorithm,
    private readonly privateKey: KeyObject,
  ) {
    this.headerSegment = `${Buffer.from(JSON.stringify({ alg, typ: 'at+jwt', kid })).toString('base64url')}.`;
    // ES256 hashes with SHA-256; Ed25519 signs the message itself.
    this.digest = alg === 'ES256' ? 'sha256' : null;
  }

  sign(claims: object): string {
    const input = this.headerSegment + Buffer.from(JSON.stringify(claims)).toString('base64url');
    const signature = sign(this.digest, Buffer.from(input), this.privateKey);
    // JOSE wants ECDSA's raw r||s (IEEE P1363), not DER; Ed25519 signatures are raw already.
    const raw = this.digest === null ? signature : derToJoseSignature(signature);
    return `${input}.${raw.toString('base64url')}`;
  }
}

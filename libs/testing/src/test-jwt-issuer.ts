import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { startFakeHttp, type FakeHttpServer } from './fake-http';

export interface TestTokenOptions {
  /** Lifetime in seconds (default 3600); negative for an expired token. */
  expiresIn?: number;
  /** JOSE `typ` header (default RFC 9068's `at+jwt`). */
  typ?: string;
  /** Overrides `iss` (default the issuer's own URL). */
  issuer?: string;
  audience?: string;
  scope?: string;
  /** Sign with a key that is not in the JWKS. */
  foreignKey?: boolean;
}

/**
 * An RFC 9068 access-token issuer for tests: an ES256 key pair, its JWKS served on 127.0.0.1
 * at `<issuer>/.well-known/jwks.json`, and a signer of user tokens (`sub` = the user).
 */
export class TestJwtIssuer {
  private constructor(
    private readonly server: FakeHttpServer,
    private readonly privateKey: CryptoKey,
    private readonly foreignKey: CryptoKey,
    private readonly kid: string,
  ) {}

  static async start(): Promise<TestJwtIssuer> {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const foreign = await generateKeyPair('ES256');
    const kid = randomUUID();
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
    const server = await startFakeHttp((request) =>
      request.url.pathname === '/.well-known/jwks.json'
        ? { status: 200, body: { keys: [jwk] } }
        : { status: 404, body: { error: 'not_found' } },
    );
    return new TestJwtIssuer(server, privateKey, foreign.privateKey, kid);
  }

  /** The `iss` of the tokens (no trailing slash). */
  get issuer(): string {
    return this.server.origin;
  }

  get jwksUrl(): string {
    return `${this.server.origin}/.well-known/jwks.json`;
  }

  /** Environment that points sync-orchestrator (or any resource server) at this issuer. */
  env(): Record<string, string> {
    return { ISSUER: this.issuer };
  }

  /** Signs an access token for user `sub`. */
  async sign(sub: string, options: TestTokenOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({ client_id: 'test-client', scope: options.scope ?? 'sync' })
      .setProtectedHeader({ alg: 'ES256', kid: this.kid, typ: options.typ ?? 'at+jwt' })
      .setIssuer(options.issuer ?? this.issuer)
      .setSubject(sub)
      .setIssuedAt(now)
      .setExpirationTime(now + (options.expiresIn ?? 3600))
      .setJti(randomUUID());
    if (options.audience) jwt.setAudience(options.audience);
    return jwt.sign(options.foreignKey ? this.foreignKey : this.privateKey);
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

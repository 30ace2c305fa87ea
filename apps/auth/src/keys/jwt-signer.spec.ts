import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, exportJWK, importJWK, jwtVerify } from 'jose';
import { JwtSigner, type SigningAlgorithm } from './jwt-signer';

describe.each<[SigningAlgorithm, 'ec' | 'ed25519']>([
  ['ES256', 'ec'],
  ['EdDSA', 'ed25519'],
])('JwtSigner %s', (alg, type) => {
  const { privateKey, publicKey } =
    type === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('ed25519');

  it('produces a JWT that jose verifies with the public JWK, with typ at+jwt and the kid', async () => {
    const signer = new JwtSigner('kid-1', alg, privateKey);
    const token = signer.sign({
      iss: 'http://issuer',
      sub: 'c1',
      exp: Math.floor(Date.now() / 1000) + 60,
    });
    const jwk = await exportJWK(publicKey);
    const key = await importJWK({ ...jwk, alg }, alg);
    const { payload, protectedHeader } = await jwtVerify(token, key, {
      typ: 'at+jwt',
      issuer: 'http://issuer',
    });
    expect(payload.sub).toBe('c1');
    expect(protectedHeader).toEqual({ alg, typ: 'at+jwt', kid: 'kid-1' });
    expect(decodeProtectedHeader(token).kid).toBe('kid-1');
  });

  it('fails verification when the payload is altered', async () => {
    const token = new JwtSigner('kid-1', alg, privateKey).sign({ sub: 'c1' });
    const [h, , s] = token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ sub: 'c2' })).toString('base64url')}.${s}`;
    const key = await importJWK({ ...(await exportJWK(publicKey)), alg }, alg);
    await expect(jwtVerify(forged, key)).rejects.toThrow(/signature/);
  });
});

// The ceiling of the token benchmark: a minimal Fastify endpoint that checks a Basic secret
// against a Map and signs the same claims with ES256 (fast-jwt), with no I/O at all.
import Fastify from 'fastify';
import { createSigner } from 'fast-jwt';
import { generateKeyPairSync, randomUUID } from 'node:crypto';

const [port, clientId, clientSecret, issuer] = process.argv.slice(2);
const clients = new Map([[clientId, clientSecret]]);
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const sign = createSigner({
  key: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  algorithm: 'ES256',
  kid: 'ceiling',
  noTimestamp: true,
  // RFC 9068 header, as Portico's tokens carry.
  header: { alg: 'ES256', typ: 'at+jwt' },
});

const app = Fastify();
app.addContentTypeParser(
  'application/x-www-form-urlencoded',
  { parseAs: 'string' },
  (_req, body, done) => done(null, new URLSearchParams(body as string)),
);
app.post('/oauth2/token', async (request, reply) => {
  const [id, secret] = Buffer.from((request.headers.authorization ?? '').slice(6), 'base64')
    .toString()
    .split(':');
  const form = request.body as URLSearchParams;
  if (form.get('grant_type') !== 'client_credentials' || clients.get(id) !== secret) {
    return reply.code(401).send({ error: 'invalid_client' });
  }
  const iat = Math.floor(Date.now() / 1000);
  const claims = {
    iss: issuer,
    sub: id,
    client_id: id,
    aud: issuer,
    scope: 'bench',
    iat,
    exp: iat + 900,
    jti: randomUUID(),
  };
  return reply
    .header('Cache-Control', 'no-store')
    .send({ access_token: sign(claims), token_type: 'Bearer', expires_in: 900, scope: 'bench' });
});
void app.listen({ port: Number(port), host: '127.0.0.1' }).then(() => process.send?.('ready'));

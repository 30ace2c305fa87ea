import pino from 'pino';
import { Writable } from 'node:stream';
import { runWithCorrelationId } from './correlation';
import { pinoOptions } from './pino-options';

function capture(): { logger: pino.Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = pino(pinoOptions('test-app', 'debug'), sink);
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('log redaction', () => {
  const secrets = {
    authorization: 'Bearer canary-authz',
    client_secret: 'canary-client-secret',
    password: 'canary-password',
    access_token: 'canary-access',
    refresh_token: 'canary-refresh',
  };

  it.each([
    ['top level', secrets],
    ['nested once', { body: secrets }],
    ['nested twice', { req: { headers: secrets } }],
  ])('redacts secret fields (%s)', (_where, payload) => {
    const { logger, lines } = capture();
    logger.info(payload, 'something happened');
    const raw = JSON.stringify(lines());
    for (const value of Object.values(secrets)) expect(raw).not.toContain(value);
    expect(raw.match(/\[REDACTED\]/g)).toHaveLength(Object.keys(secrets).length);
  });

  it('keeps ordinary fields and adds the app and correlation id', () => {
    const { logger, lines } = capture();
    runWithCorrelationId('corr-1', () => logger.info({ client_id: 'abc' }, 'issued'));
    expect(lines()[0]).toMatchObject({
      app: 'test-app',
      client_id: 'abc',
      correlationId: 'corr-1',
      level: 'info',
      msg: 'issued',
    });
  });
});

import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from './oauth.error';

/** The parts of an OAuth request the services read (transport-agnostic). */
export interface OAuthHttpRequest {
  contentType: string | undefined;
  authorization: string | undefined;
  body: unknown;
  ip: string;
}

export type OAuthHandler = (request: OAuthHttpRequest) => Promise<object>;

/** Told the outcome of every answer (`ok` or the OAuth error code). */
export type OutcomeCounter = (endpoint: string, outcome: string) => void;

const toOAuthRequest = (request: FastifyRequest): OAuthHttpRequest => ({
  contentType: request.headers['content-type'],
  authorization: request.headers.authorization,
  body: request.body,
  ip: request.ip,
});

const logger = new Logger('OAuthRoute');

// RFC 6749 §5.1 / RFC 7009 / RFC 7662: never cache these answers.
function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
}

function errorCode(error: unknown): string {
  if (error instanceof OAuthError) return error.error;
  const status = (error as { statusCode?: number }).statusCode;
  return status !== undefined && status >= 400 && status < 500 ? 'invalid_request' : 'server_error';
}

function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof OAuthError) {
    return noStore(reply).code(error.status).headers(error.headers).send(error.toBody());
  }
  const status = (error as { statusCode?: number }).statusCode;
  // Body parsing failed before the handler (bad encoding, wrong media type, too large).
  if (status !== undefined && status >= 400 && status < 500) {
    const body = OAuthError.invalidRequest(
      status === 413 ? 'the request body is too large' : 'the request body is malformed',
    );
    return noStore(reply).code(400).send(body.toBody());
  }
  logger.error({ err: error }, 'OAuth endpoint failed');
  return noStore(reply)
    .code(500)
    .send({ error: 'server_error', error_description: 'internal error' });
}

/**
 * Registers an OAuth endpoint straight on Fastify (outside Nest's router: the token endpoint
 * is the hottest path of the product). Every answer carries no-store; OAuthErrors become RFC
 * 6749 §5.2 responses; body-parser failures become `invalid_request`.
 */
export function oauthRoute(
  fastify: FastifyInstance,
  path: string,
  handler: OAuthHandler,
  count: OutcomeCounter,
): void {
  const fail = (reply: FastifyReply, error: unknown) => {
    count(path, errorCode(error));
    return sendError(reply, error);
  };
  fastify.route({
    method: 'POST',
    url: path,
    errorHandler: (error, _request, reply) => {
      void fail(reply, error);
    },
    handler: async (request, reply) => {
      try {
        const body = await handler(toOAuthRequest(request));
        count(path, 'ok');
        return noStore(reply).send(body);
      } catch (error) {
        return fail(reply, error);
      }
    },
  });
}

/** Field names whose values never reach a log line, at any of the first three levels. */
export const SECRET_FIELDS = [
  'authorization',
  'cookie',
  'password',
  'secret',
  'client_secret',
  'clientSecret',
  'access_token',
  'accessToken',
  'refresh_token',
  'refreshToken',
  'id_token',
  'token',
  'api_key',
  'apiKey',
  'local_password',
  'consumer_secret',
  'token_secret',
  'xoauth2',
] as const;

const HEADER_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-admin-token"]',
  'res.headers["set-cookie"]',
];

/** pino `redact.paths`: every secret field at the top level and nested up to two levels. */
export const REDACT_PATHS: string[] = [
  ...HEADER_PATHS,
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
];

export const REDACTED = '[REDACTED]';

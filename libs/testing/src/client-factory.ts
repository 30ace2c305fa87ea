import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { AdminClientEvent, AdminClientEventType, ClientEventPayload } from '../../models/src';

let sequence = 0;

/** A valid `sha256$` hash of `secret`, computed the documented way. */
export function sha256Of(secret: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  return `sha256$${createHash('sha256').update(secret, 'utf8').digest('hex')}`;
}

/** An admin event for a client (a fresh client unless `client_id` is given). */
export function adminEvent(
  type: AdminClientEventType,
  payload: Partial<ClientEventPayload> = {},
  occurredAt = new Date().toISOString(),
): AdminClientEvent {
  sequence++;
  const base: ClientEventPayload = {
    client_id: payload.client_id ?? randomUUID(),
    version: payload.version ?? 1,
  };
  const created =
    type === 'client.created'
      ? {
          client_code: `client-${sequence}`,
          client_secret_hash: sha256Of(`secret-${sequence}`),
          scopes: ['orders:read'],
        }
      : {};
  return { id: uuidv7(), type, occurredAt, payload: { ...base, ...created, ...payload } };
}

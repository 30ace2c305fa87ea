import { PayloadValidationError, validatePayload, type Envelope } from '@libs/messaging';
import {
  ADMIN_CLIENT_EVENT_PAYLOADS,
  ADMIN_CLIENT_EVENT_TYPES,
  AdminClientEventEnvelope,
  unsafeContent,
  type AdminClientEvent,
  type AdminClientEventType,
  type ClientEventPayload,
} from '@libs/models';

/** An admin event before validation: the envelope fields the consumer reads, payload parsed. */
export type RawAdminEvent = Pick<Envelope, 'id' | 'type' | 'occurredAt' | 'payload'>;

const TYPES: ReadonlySet<string> = new Set(ADMIN_CLIENT_EVENT_TYPES);

/** True for the event types the consumer applies. */
export function isAdminEventType(type: string): type is AdminClientEventType {
  return TYPES.has(type);
}

/**
 * Validates an admin event by the rules the consumer applies (the command line and the
 * AsyncAPI contract test call it too, so none of them can drift): envelope fields, no
 * plaintext secret or NUL anywhere in the payload, then the payload class of the type; unknown
 * payload fields are dropped. Resolves with the event as `clients.applyEvents` takes it (id in
 * lowercase, `occurredAt` in UTC so instants compare as text); rejects with a
 * `PayloadValidationError` (dead-lettered at once) listing every problem.
 */
export async function validateAdminEvent(raw: RawAdminEvent): Promise<AdminClientEvent> {
  const { id, type, occurredAt, payload } = raw;
  const problems = unsafeContent(payload).map((p) => `payload.${p}`);
  const envelope = await collect(AdminClientEventEnvelope, { id, type, occurredAt }, '', problems);
  const isObject = typeof payload === 'object' && payload !== null && !Array.isArray(payload);
  if (!isObject) problems.push('payload must be a JSON object');
  const payloadClass = isAdminEventType(type) ? ADMIN_CLIENT_EVENT_PAYLOADS[type] : undefined;
  const fields =
    isObject && payloadClass && (await collect(payloadClass, payload, 'payload.', problems));
  if (problems.length > 0 || !envelope || !fields) {
    const what = isAdminEventType(type) ? `${type} event` : 'admin client event';
    throw new PayloadValidationError(`invalid ${what}`, problems);
  }
  return {
    id: envelope.id.toLowerCase(),
    type: envelope.type,
    occurredAt: new Date(envelope.occurredAt).toISOString(),
    payload: fields as ClientEventPayload,
  };
}

/** Validates `value` against `cls`, adding its problems (prefixed) to `problems`. */
async function collect<T extends object>(
  cls: new () => T,
  value: unknown,
  prefix: string,
  problems: string[],
): Promise<T | undefined> {
  try {
    return await validatePayload(cls, value);
  } catch (error) {
    if (!(error instanceof PayloadValidationError)) throw error;
    problems.push(...error.details.map((detail) => `${prefix}${detail}`));
    return undefined;
  }
}

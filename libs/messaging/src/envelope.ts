import { acceptCorrelationId } from '@libs/observability';
import { UnparseableEntryError } from './messaging.errors';

/** What every stream entry carries (one Redis field per property; `payload` is JSON). */
export interface Envelope<P = unknown> {
  /** Event id (UUIDv7): the idempotency key. */
  id: string;
  /** Event type, or the RPC pattern. */
  type: string;
  payload: P;
  /** ISO-8601 time of the fact the event reports. */
  occurredAt: string;
  correlationId: string;
  /** W3C trace context, when the publisher had one. */
  traceparent?: string;
  /** RPC requests only: the caller's logical reply stream. */
  replyTo?: string;
  /** RPC requests only: epoch ms after which the caller no longer waits. */
  deadline?: number;
}

/** One delivered entry: where it came from, its envelope and how often it was delivered. */
export interface ReceivedMessage<P = unknown> {
  entryId: string;
  /** Logical stream name (without the key prefix). */
  stream: string;
  envelope: Envelope<P>;
  /** 1 on first delivery; counted by Redis across consumers. */
  deliveries: number;
}

/** XADD field list of an envelope whose payload is already serialized. */
export function envelopeFields(envelope: Envelope, payloadJson: string): string[] {
  const fields = [
    'id',
    envelope.id,
    'type',
    envelope.type,
    'occurredAt',
    envelope.occurredAt,
    'correlationId',
    envelope.correlationId,
    'payload',
    payloadJson,
  ];
  if (envelope.traceparent) fields.push('traceparent', envelope.traceparent);
  if (envelope.replyTo) fields.push('replyTo', envelope.replyTo);
  if (envelope.deadline !== undefined) fields.push('deadline', String(envelope.deadline));
  return fields;
}

/**
 * Reads an envelope from an entry's flat field list. Unknown fields are ignored so publishers
 * may add some; a missing required field or a payload that is not JSON is unparseable.
 */
export function decodeEnvelope(fields: readonly string[]): Envelope {
  let id: string | undefined;
  let type: string | undefined;
  let payload: string | undefined;
  let occurredAt: string | undefined;
  let correlationId: string | undefined;
  const extra: Pick<Envelope, 'traceparent' | 'replyTo' | 'deadline'> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1];
    switch (fields[i]) {
      case 'id':
        id = value;
        break;
      case 'type':
        type = value;
        break;
      case 'payload':
        payload = value;
        break;
      case 'occurredAt':
        occurredAt = value;
        break;
      case 'correlationId':
        correlationId = value;
        break;
      case 'traceparent':
        extra.traceparent = value;
        break;
      case 'replyTo':
        extra.replyTo = value;
        break;
      case 'deadline':
        extra.deadline = Number(value);
        break;
    }
  }
  if (!id || !type || payload === undefined || !occurredAt) {
    throw new UnparseableEntryError('entry lacks one of id, type, payload, occurredAt');
  }
  return {
    id,
    type,
    payload: parsePayload(payload),
    occurredAt,
    // The id lands in logs: an unsafe one from an outside publisher is replaced.
    correlationId: acceptCorrelationId(correlationId),
    ...extra,
  };
}

function parsePayload(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    throw new UnparseableEntryError('payload is not JSON');
  }
}

/** An entry's flat field list as an object (for dead letters and replay). */
export function fieldsToRecord(fields: readonly string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i]] = fields[i + 1];
  return record;
}

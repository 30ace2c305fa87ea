import { getMetadataStorage } from 'class-validator';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { Streams } from '@libs/messaging';
import {
  ADMIN_CLIENT_EVENT_PAYLOADS,
  ADMIN_CLIENT_EVENT_TYPES,
  CLIENT_STATUSES,
} from '@libs/models';
import { isAdminEventType, validateAdminEvent } from './admin-event.validation';

// js-yaml is not a direct dependency: load the copy @nestjs/swagger depends on (it writes
// OpenAPI YAML with it), so a change in npm's hoisting cannot break this test.
const yaml = createRequire(require.resolve('@nestjs/swagger'))('js-yaml') as {
  load(text: string): unknown;
};

interface Schema {
  $ref?: string;
  allOf?: Schema[];
  anyOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
}
interface Example {
  headers: Record<string, string>;
  payload: Record<string, unknown>;
}
interface Message {
  name: string;
  headers: Schema;
  payload: Schema;
  examples: Example[];
}
interface AsyncApi {
  asyncapi: string;
  channels: Record<string, { address: string; messages: Record<string, { $ref: string }> }>;
  components: { messages: Record<string, Message>; schemas: Record<string, Schema> };
}

/** A schema's properties and requirements with `$ref` and `allOf` resolved. */
interface Flat {
  properties: Record<string, Schema>;
  required: Set<string>;
  /** Each `anyOf`: at least one of its alternatives must be fully present. */
  anyOf: string[][][];
}

const doc = yaml.load(
  readFileSync(resolve(__dirname, '../../../../docs/asyncapi.yaml'), 'utf8'),
) as AsyncApi;
const messages = Object.values(doc.components.messages).filter((m) => isAdminEventType(m.name));

function deref(schema: Schema): Schema {
  if (!schema.$ref) return schema;
  return deref(doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')]);
}

function flatten(input: Schema): Flat {
  const schema = deref(input);
  const flat: Flat = {
    properties: Object.fromEntries(
      Object.entries(schema.properties ?? {}).map(([k, v]) => [k, deref(v)]),
    ),
    required: new Set(schema.required ?? []),
    anyOf: schema.anyOf ? [schema.anyOf.map((alt) => alt.required ?? [])] : [],
  };
  for (const part of (schema.allOf ?? []).map(flatten)) {
    Object.assign(flat.properties, part.properties);
    part.required.forEach((r) => flat.required.add(r));
    flat.anyOf.push(...part.anyOf);
  }
  return flat;
}

/** What the schema says about a payload: are required fields and one alternative present? */
function schemaAccepts(flat: Flat, payload: Record<string, unknown>): boolean {
  const has = (field: string) => payload[field] !== undefined;
  return (
    [...flat.required].every(has) &&
    flat.anyOf.every((alternatives) => alternatives.some((alt) => alt.every(has)))
  );
}

async function consumerAccepts(example: Example, payload: object): Promise<boolean> {
  const { id, type, occurredAt } = example.headers;
  return validateAdminEvent({ id, type, occurredAt, payload }).then(
    () => true,
    () => false,
  );
}

describe('docs/asyncapi.yaml', () => {
  it('is an AsyncAPI 3 document of the admin stream and its dead-letter stream', () => {
    expect(doc.asyncapi).toMatch(/^3\./);
    const addresses = Object.values(doc.channels).map((c) => c.address);
    expect(addresses).toEqual([Streams.AdminClientEvents, Streams.dlq(Streams.AdminClientEvents)]);
  });

  it('documents exactly the event types the consumer applies', () => {
    expect(messages.map((m) => m.name).sort()).toEqual([...ADMIN_CLIENT_EVENT_TYPES].sort());
    expect(deref(doc.components.schemas.envelope).properties?.type.enum).toEqual([
      ...ADMIN_CLIENT_EVENT_TYPES,
    ]);
  });

  describe.each(messages.map((m) => [m.name, m] as const))('%s', (type, message) => {
    const flat = flatten(message.payload);

    it('has examples the consumer accepts', async () => {
      expect(message.examples.length).toBeGreaterThan(0);
      for (const example of message.examples) {
        expect(example.headers.type).toBe(type);
        const { id, occurredAt } = example.headers;
        await expect(
          validateAdminEvent({ id, type, occurredAt, payload: example.payload }),
        ).resolves.toMatchObject({ type });
      }
    });

    it('names exactly the payload fields the consumer validates', () => {
      const cls = ADMIN_CLIENT_EVENT_PAYLOADS[type as keyof typeof ADMIN_CLIENT_EVENT_PAYLOADS];
      const validated = getMetadataStorage()
        .getTargetValidationMetadatas(cls, '', true, false)
        .map((m) => m.propertyName);
      expect(Object.keys(flat.properties).sort()).toEqual([...new Set(validated)].sort());
    });

    it('marks as required exactly what the consumer requires', async () => {
      const [example] = message.examples;
      for (const field of Object.keys(example.payload)) {
        const { [field]: _removed, ...rest } = example.payload;
        expect([field, await consumerAccepts(example, rest)]).toEqual([
          field,
          schemaAccepts(flat, rest),
        ]);
      }
      const bare = { client_id: example.payload.client_id, version: example.payload.version };
      expect(await consumerAccepts(example, bare)).toBe(schemaAccepts(flat, bare));
    });

    it('allows exactly the statuses the consumer allows', async () => {
      const status = flat.properties.status;
      const [example] = message.examples;
      for (const value of CLIENT_STATUSES) {
        const documented =
          status.const !== undefined ? status.const === value : (status.enum ?? []).includes(value);
        expect([
          value,
          await consumerAccepts(example, { ...example.payload, status: value }),
        ]).toEqual([value, documented]);
      }
    });
  });
});

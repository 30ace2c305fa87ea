import {
  countDeadLetters,
  listDeadLetters,
  replayDeadLetters,
  Streams,
  type DeadLetter,
} from '@libs/messaging';
import { looksLikeSecretField } from '@libs/models';
import { REDACTED } from '@libs/observability';
import type { CliContext } from './cli-context';

export interface ListOptions {
  stream: string;
  count: number;
  after?: string;
  json: boolean;
}

/** `dlq list`: dead letters oldest first, a page at a time; payload secrets are masked. */
export async function listCommand(ctx: CliContext, options: ListOptions): Promise<void> {
  const { stream, count, after, json } = options;
  const letters = await listDeadLetters(ctx.redis, ctx.keyspace, stream, { count, after });
  const total = await countDeadLetters(ctx.redis, ctx.keyspace, stream);
  for (const letter of letters) {
    const shown = { ...letter, fields: masked(letter.fields) };
    if (json) ctx.out(JSON.stringify(shown));
    else describe(ctx, shown);
  }
  if (json) return;
  ctx.out(`${letters.length} shown, ${total} in ${Streams.dlq(stream)}`);
  if (letters.length === count && letters.length < total)
    ctx.out(`next page: --after ${letters[letters.length - 1].dlqId}`);
}

/** `dlq replay`: moves the given dead letters (or all present now) back to their stream. */
export async function replayCommand(
  ctx: CliContext,
  stream: string,
  ids: readonly string[] | 'all',
): Promise<void> {
  const options = ids === 'all' ? { maxLen: ctx.maxLen } : { ids, maxLen: ctx.maxLen };
  const replayed = await replayDeadLetters(ctx.redis, ctx.keyspace, stream, options);
  ctx.out(`replayed ${replayed} dead letter(s) to ${stream}`);
}

/** `dlq delete`: drops dead letters that must never be applied (after inspection). */
export async function deleteCommand(
  ctx: CliContext,
  stream: string,
  ids: readonly string[],
): Promise<void> {
  const deleted = await ctx.redis.xdel(ctx.keyspace.key(Streams.dlq(stream)), ...ids);
  ctx.out(`deleted ${deleted} dead letter(s) from ${Streams.dlq(stream)}`);
}

function describe(ctx: CliContext, letter: DeadLetter): void {
  const { fields } = letter;
  ctx.out(
    `${letter.dlqId}  failed ${letter.failedAt}  after ${letter.deliveries} deliver${letter.deliveries === 1 ? 'y' : 'ies'}`,
  );
  ctx.out(
    `  entry ${letter.originalId}  type ${fields.type ?? '?'}  event ${fields.id ?? '?'}  correlation ${fields.correlationId ?? '?'}`,
  );
  ctx.out(`  error ${letter.error}`);
  if (fields.payload !== undefined) ctx.out(`  payload ${fields.payload}`);
}

/** The entry's fields with values of secret-looking payload fields replaced (they never belong there). */
function masked(fields: Record<string, string>): Record<string, string> {
  if (fields.payload === undefined) return fields;
  try {
    return { ...fields, payload: JSON.stringify(mask(JSON.parse(fields.payload))) };
  } catch {
    return fields;
  }
}

function mask(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(mask);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      looksLikeSecretField(key) ? REDACTED : mask(item),
    ]),
  );
}

import { readFile } from 'node:fs/promises';
import { v7 as uuidv7 } from 'uuid';
import {
  PayloadValidationError,
  StreamPublisher,
  Streams,
  type PublishRequest,
} from '@libs/messaging';
import { validateAdminEvent } from '../admin-events/admin-event.validation';
import { AdminCliError, AdminCliErrorCode } from './admin-cli.errors';
import type { CliContext } from './cli-context';

/** One event of an events file; `id`, `occurredAt` and `correlationId` are filled when absent. */
interface FileEvent {
  type: string;
  payload: object;
  id?: string;
  occurredAt?: string;
  correlationId?: string;
}

/**
 * `publish <file> [--dry-run]`: reads one event or an array of events from a JSON file,
 * validates all of them by the consumer's rules, and only when every one is valid appends
 * them to the admin stream as the Admin Service would (one pipelined round trip).
 */
export async function publishCommand(
  ctx: CliContext,
  file: string,
  dryRun: boolean,
): Promise<void> {
  const events = (await readEvents(file)).map(complete);
  const problems: string[] = [];
  for (const [i, event] of events.entries()) {
    try {
      await validateAdminEvent(event);
    } catch (error) {
      if (!(error instanceof PayloadValidationError)) throw error;
      problems.push(...error.details.map((detail) => `events[${i}] (${event.type}): ${detail}`));
    }
  }
  if (problems.length > 0)
    throw new AdminCliError(
      AdminCliErrorCode.InvalidEvents,
      `nothing published; ${problems.length} problem(s):\n  ${problems.join('\n  ')}`,
    );
  if (dryRun) {
    ctx.out(`${events.length} event(s) valid; nothing published (--dry-run)`);
    return;
  }
  const publisher = new StreamPublisher(ctx.redis, ctx.keyspace, ctx.maxLen);
  const requests: PublishRequest[] = events.map(
    ({ type, payload, id, occurredAt, correlationId }) => ({
      type,
      payload,
      id,
      occurredAt,
      correlationId,
    }),
  );
  const entryIds = await publisher.publishMany(Streams.AdminClientEvents, requests);
  entryIds.forEach((entryId, i) =>
    ctx.out(`published ${events[i].type} ${events[i].id} as entry ${entryId}`),
  );
}

async function readEvents(file: string): Promise<FileEvent[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new AdminCliError(
      AdminCliErrorCode.InvalidFile,
      `cannot read ${file} as JSON: ${(error as Error).message}`,
    );
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  list.forEach((item: unknown, i) => {
    const ok =
      typeof item === 'object' &&
      item !== null &&
      typeof (item as FileEvent).type === 'string' &&
      typeof (item as FileEvent).payload === 'object';
    if (!ok)
      throw new AdminCliError(
        AdminCliErrorCode.InvalidFile,
        `events[${i}] must be an object with "type" and "payload"`,
      );
  });
  if (list.length === 0)
    throw new AdminCliError(AdminCliErrorCode.InvalidFile, `${file} holds no events`);
  return list as FileEvent[];
}

function complete(event: FileEvent): Required<FileEvent> {
  return {
    type: event.type,
    payload: event.payload,
    id: event.id ?? uuidv7(),
    occurredAt: event.occurredAt ?? new Date().toISOString(),
    correlationId: event.correlationId ?? `admin-cli-${uuidv7()}`,
  };
}

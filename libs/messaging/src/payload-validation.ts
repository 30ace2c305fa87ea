import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { PayloadValidationError } from './messaging.errors';

/** A class-validator class describing an event payload. */
export type PayloadClass<T extends object = object> = new () => T;

/**
 * Turns a payload into an instance of its class and validates it; unknown properties are
 * stripped (publishers may add fields before consumers know them). Invalid ⇒
 * `PayloadValidationError`, which dead-letters the entry at once.
 */
export async function validatePayload<T extends object>(
  cls: PayloadClass<T>,
  payload: unknown,
): Promise<T> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new PayloadValidationError(`invalid ${cls.name}`, ['payload must be a JSON object']);
  }
  const instance = plainToInstance(cls, payload);
  // Synchronous: no payload class has an async constraint, and the sync path costs a fraction.
  const errors = validateSync(instance, { whitelist: true, forbidUnknownValues: true });
  if (errors.length > 0) throw new PayloadValidationError(`invalid ${cls.name}`, describe(errors));
  return instance;
}

function describe(errors: readonly ValidationError[], path = ''): string[] {
  return errors.flatMap((error) => {
    const at = path ? `${path}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) =>
      message.startsWith(error.property)
        ? `${path ? `${path}.` : ''}${message}`
        : `${at}: ${message}`,
    );
    return [...own, ...describe(error.children ?? [], at)];
  });
}

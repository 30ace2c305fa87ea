import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { compileCheck } from './compiled-validation';
import { PayloadValidationError } from './messaging.errors';

/** A class-validator class describing an event payload. */
export type PayloadClass<T extends object = object> = new () => T;

const compiled = new WeakMap<PayloadClass, ReturnType<typeof compileCheck> | null>();

function compiledFor(cls: PayloadClass): ReturnType<typeof compileCheck> {
  let entry = compiled.get(cls);
  if (entry === undefined) compiled.set(cls, (entry = compileCheck(cls) ?? null));
  return entry ?? undefined;
}

/**
 * Turns a payload into an instance of its class and validates it; unknown properties are
 * stripped (publishers may add fields before consumers know them). Invalid ⇒
 * `PayloadValidationError`, which dead-letters the entry at once. Valid payloads are accepted
 * by the class's compiled constraints (see compileCheck); anything they refuse goes through
 * class-validator itself, whose verdict and messages are final.
 */
export async function validatePayload<T extends object>(
  cls: PayloadClass<T>,
  payload: unknown,
): Promise<T> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new PayloadValidationError(`invalid ${cls.name}`, ['payload must be a JSON object']);
  }
  const instance = plainToInstance(cls, payload);
  const fast = compiledFor(cls);
  if (fast) {
    // class-validator's whitelist, done first as it does: the constraints see the stripped object.
    for (const key of Object.keys(instance))
      if (!fast.whitelist.has(key)) delete instance[key as keyof T];
    if (fast.check(instance as Record<string, unknown>)) return instance;
  }
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

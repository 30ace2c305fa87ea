import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { compileCheck } from './compiled-validation';
import { PayloadValidationError } from './messaging.errors';
import { transformerDecorated } from './transformer-metadata';

/** A class-validator class describing an event payload. */
export type PayloadClass<T extends object = object> = new () => T;

interface Compiled extends NonNullable<ReturnType<typeof compileCheck>> {
  /** No class-transformer decorators: an instance is `new cls()` plus the plain properties. */
  plainCopy: boolean;
}

const compiled = new WeakMap<PayloadClass, Compiled | null>();

function compiledFor(cls: PayloadClass): Compiled | undefined {
  let entry = compiled.get(cls);
  if (entry === undefined) {
    const fast = compileCheck(cls);
    entry = fast ? { ...fast, plainCopy: !transformerDecorated(cls, fast.whitelist) } : null;
    compiled.set(cls, entry);
  }
  return entry ?? undefined;
}

/**
 * What plainToInstance followed by class-validator's whitelist makes of a plain payload when the
 * class has no class-transformer decorators, for less (an admin event's validation went from
 * 11.5 to 9.7 µs): `new cls()` with the whitelisted properties copied (nested values shared, not
 * copied). Only own properties are read, so a `__proto__` key in parsed JSON stays data and
 * never becomes a prototype.
 */
function whitelistedCopy<T extends object>(
  cls: PayloadClass<T>,
  payload: object,
  whitelist: ReadonlySet<string>,
): T {
  const instance = new cls() as Record<string, unknown>;
  for (const key of Object.keys(instance)) if (!whitelist.has(key)) delete instance[key];
  for (const key of whitelist)
    if (Object.hasOwn(payload, key)) instance[key] = (payload as Record<string, unknown>)[key];
  return instance as T;
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
  const fast = compiledFor(cls);
  if (fast?.plainCopy) {
    const copy = whitelistedCopy(cls, payload, fast.whitelist);
    if (fast.check(copy as Record<string, unknown>)) return copy;
  }
  const instance = plainToInstance(cls, payload);
  if (fast && !fast.plainCopy) {
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

import { ValidationTypes, getMetadataStorage, type ValidationArguments } from 'class-validator';

type ValidationMetadata = ReturnType<
  ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']
>[number];

/** Whether an instance passes every constraint of its class (true) or not. */
export type CompiledCheck = (object: Record<string, unknown>) => boolean;

interface CompiledProperty {
  name: string;
  /** `@IsOptional` / `@ValidateIf`: the property is validated only when all hold. */
  conditions: ((object: object, value: unknown) => boolean)[];
  constraints: {
    metadata: ValidationMetadata;
    validate: (value: unknown, args: ValidationArguments) => unknown;
  }[];
}

/** The class's own validation schema name, as class-validator's executor looks it up. */
const NO_SCHEMA = '';

/**
 * class-validator's constraints of `cls`, compiled into a plain loop: the same decorators and
 * the same constraint functions, without the executor's per-call metadata lookups and error
 * objects, which are most of a flat payload's validation cost (about 20 µs of the admin event
 * consumer's ~25 µs per event). It answers only yes or no; a "no" is explained by running
 * class-validator itself. Classes it cannot mirror exactly (nested or promise validation,
 * IsDefined, groups, async constraints, no metadata at all) get undefined, and their callers use
 * class-validator alone. `whitelist` tells which properties survive class-validator's whitelist.
 */
export function compileCheck(
  cls: new () => object,
): { check: CompiledCheck; whitelist: ReadonlySet<string> } | undefined {
  const storage = getMetadataStorage();
  const metadatas = storage.getTargetValidationMetadatas(cls, NO_SCHEMA, false, false);
  if (metadatas.length === 0) return undefined;
  const grouped = storage.groupByPropertyName(metadatas);
  const properties: CompiledProperty[] = [];
  for (const [name, list] of Object.entries(grouped)) {
    const property: CompiledProperty = { name, conditions: [], constraints: [] };
    for (const metadata of list) {
      if (metadata.groups?.length || metadata.always) return undefined;
      if (metadata.type === ValidationTypes.WHITELIST) continue;
      if (metadata.type === ValidationTypes.CONDITIONAL_VALIDATION) {
        property.conditions.push(
          metadata.constraints[0] as (object: object, value: unknown) => boolean,
        );
        continue;
      }
      if (metadata.type !== ValidationTypes.CUSTOM_VALIDATION) return undefined;
      for (const constraint of storage.getTargetValidatorConstraints(metadata.constraintCls)) {
        if (constraint.async) return undefined;
        const instance = constraint.instance as {
          validate: (value: unknown, args: ValidationArguments) => unknown;
        };
        property.constraints.push({ metadata, validate: instance.validate.bind(instance) });
      }
    }
    properties.push(property);
  }
  return {
    check: (object) => passes(object, properties),
    whitelist: new Set(Object.keys(grouped)),
  };
}

function passes(object: Record<string, unknown>, properties: readonly CompiledProperty[]): boolean {
  for (const { name, conditions, constraints } of properties) {
    const value = object[name];
    if (!conditions.every((condition) => condition(object, value))) continue;
    for (const { metadata, validate } of constraints) {
      if (metadata.validateIf && !metadata.validateIf(object, value)) continue;
      const args: ValidationArguments = {
        targetName: object.constructor?.name,
        property: name,
        object,
        value,
        constraints: metadata.constraints,
      };
      const each =
        metadata.each && (Array.isArray(value) || value instanceof Set || value instanceof Map);
      const ok = each
        ? [...(value instanceof Map ? value.values() : (value as Iterable<unknown>))].every(
            (item) => accepted(validate(item, args)),
          )
        : accepted(validate(value, args));
      if (!ok) return false;
    }
  }
  return true;
}

/** A constraint's answer; a promise (an async constraint slipped through) counts as "ask class-validator". */
function accepted(result: unknown): boolean {
  return Boolean(result) && !(result instanceof Promise);
}

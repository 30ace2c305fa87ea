import { TransformationType } from 'class-transformer';
import type { MetadataStorage } from 'class-transformer/types/MetadataStorage';

/**
 * class-transformer's decorator metadata. It lives in a singleton that the package's entry point
 * does not export, so it is read from the module that holds it; should that module ever move,
 * `undefined` makes every class count as decorated, which is only slower.
 */
const storage = ((): MetadataStorage | undefined => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = require('class-transformer/cjs/storage') as {
      defaultMetadataStorage?: MetadataStorage;
    };
    const candidate = loaded.defaultMetadataStorage;
    return typeof candidate?.findTypeMetadata === 'function' ? candidate : undefined;
  } catch {
    return undefined;
  }
})();

/**
 * True unless class-transformer's `plainToInstance(cls, plain)` would only copy the given
 * properties of a plain object onto `new cls()`: any `@Type`, `@Transform`, `@Expose` or
 * `@Exclude` on the class, its ancestors or one of `properties` makes it decorated.
 */
export function transformerDecorated(cls: new () => object, properties: Iterable<string>): boolean {
  if (!storage) return true;
  if (storage.getStrategy(cls) !== 'none') return true;
  if (storage.getExposedMetadatas(cls).length > 0) return true;
  if (storage.getExcludedMetadatas(cls).length > 0) return true;
  for (const name of properties) {
    if (storage.findTypeMetadata(cls, name)) return true;
    if (storage.findTransformMetadatas(cls, name, TransformationType.PLAIN_TO_CLASS).length > 0)
      return true;
  }
  return false;
}

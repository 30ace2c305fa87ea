import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { BaseConfig } from './config-sections';

/**
 * Makes each section of a loaded config injectable by its class (`DatabaseConfig`,
 * `RedisConfig`, …). Sections are frozen: configuration is read-only after boot.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: BaseConfig): DynamicModule {
    const providers: Provider[] = Object.values(config)
      .filter((v): v is object => typeof v === 'object' && v !== null && !Array.isArray(v))
      .map((section) => ({ provide: section.constructor, useValue: Object.freeze(section) }));
    return { module: ConfigModule, providers, exports: providers };
  }
}

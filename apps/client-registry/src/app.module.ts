import { Module, type DynamicModule } from '@nestjs/common';
import type { ClientRegistryConfig } from '@libs/config';
import { CoreModule } from '@libs/platform';

@Module({})
export class AppModule {
  static forRoot(config: ClientRegistryConfig): DynamicModule {
    return { module: AppModule, imports: [CoreModule.forRoot(config)] };
  }
}

import { Module, type DynamicModule } from '@nestjs/common';
import type { AuthConfig } from '@libs/config';
import { CoreModule } from '@libs/platform';

@Module({})
export class AppModule {
  static forRoot(config: AuthConfig): DynamicModule {
    return { module: AppModule, imports: [CoreModule.forRoot(config)] };
  }
}

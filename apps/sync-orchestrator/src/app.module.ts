import { Module, type DynamicModule } from '@nestjs/common';
import type { SyncOrchestratorConfig } from '@libs/config';
import { CoreModule } from '@libs/platform';

@Module({})
export class AppModule {
  static forRoot(config: SyncOrchestratorConfig): DynamicModule {
    return { module: AppModule, imports: [CoreModule.forRoot(config)] };
  }
}

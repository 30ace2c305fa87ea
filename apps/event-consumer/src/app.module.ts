import { Module, type DynamicModule } from '@nestjs/common';
import type { EventConsumerConfig } from '@libs/config';
import { CoreModule } from '@libs/platform';

@Module({})
export class AppModule {
  static forRoot(config: EventConsumerConfig): DynamicModule {
    return { module: AppModule, imports: [CoreModule.forRoot(config)] };
  }
}

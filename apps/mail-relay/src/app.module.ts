import { Module, type DynamicModule } from '@nestjs/common';
import type { MailRelayConfig } from '@libs/config';
import { MessagingModule } from '@libs/messaging';
import { CoreModule } from '@libs/platform';
import { RelayModule } from './relay/relay.module';

@Module({})
export class AppModule {
  static forRoot(config: MailRelayConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.forRoot(config), MessagingModule, RelayModule],
    };
  }
}

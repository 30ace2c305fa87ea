import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { DiscogsTokenController } from './discogs-token.controller';
import { DiscogsTokenService } from './discogs-token.service';
import { DiscogsTokenStore } from './discogs-token.store';
import { RegistryDiscogsTokenStore } from './registry-discogs-token.store';

/** `PUT /api/users/discogs-token`, backed by a {@link DiscogsTokenStore}. */
@Module({})
export class CredentialsModule {
  /** `store`: the implementation to use (default: the client-registry over RPC). */
  static forRoot(store?: DiscogsTokenStore): DynamicModule {
    return {
      module: CredentialsModule,
      imports: [AuthModule],
      controllers: [DiscogsTokenController],
      providers: [
        DiscogsTokenService,
        store
          ? { provide: DiscogsTokenStore, useValue: store }
          : { provide: DiscogsTokenStore, useClass: RegistryDiscogsTokenStore },
      ],
    };
  }
}

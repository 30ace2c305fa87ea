import type { DynamicModule } from '@nestjs/common';
import {
  loadAuthConfig,
  loadClientRegistryConfig,
  loadEventConsumerConfig,
  loadMailRelayConfig,
  loadSyncOrchestratorConfig,
  type BaseConfig,
  type Env,
} from '@libs/config';
import { AppModule as Auth } from '../../apps/auth/src/app.module';
import { AppModule as ClientRegistry } from '../../apps/client-registry/src/app.module';
import { AppModule as EventConsumer } from '../../apps/event-consumer/src/app.module';
import { AppModule as MailRelay } from '../../apps/mail-relay/src/app.module';
import { AppModule as SyncOrchestrator } from '../../apps/sync-orchestrator/src/app.module';

export interface AppUnderTest {
  name: string;
  portVariable: string;
  defaultPort: number;
  /**
   * The stores its readiness checks: PostgreSQL only for the apps keeping state there, and not
   * for auth, which keeps serving cached clients without it.
   */
  readiness: string[];
  define(env: Env): { config: BaseConfig; module: DynamicModule };
}

/** The five apps, as tests boot them. */
export const APPS: AppUnderTest[] = [
  {
    name: 'auth',
    portVariable: 'AUTH_PORT',
    readiness: ['redis'],
    defaultPort: 3000,
    define: (env) => {
      const config = loadAuthConfig(env);
      return { config, module: Auth.forRoot(config) };
    },
  },
  {
    name: 'client-registry',
    portVariable: 'CLIENT_REGISTRY_PORT',
    readiness: ['postgres', 'redis'],
    defaultPort: 3001,
    define: (env) => {
      const config = loadClientRegistryConfig(env);
      return { config, module: ClientRegistry.forRoot(config) };
    },
  },
  {
    name: 'event-consumer',
    portVariable: 'EVENT_CONSUMER_PORT',
    readiness: ['redis'],
    defaultPort: 3002,
    define: (env) => {
      const config = loadEventConsumerConfig(env);
      return { config, module: EventConsumer.forRoot(config) };
    },
  },
  {
    name: 'sync-orchestrator',
    portVariable: 'SYNC_ORCHESTRATOR_PORT',
    readiness: ['postgres', 'redis'],
    defaultPort: 3003,
    define: (env) => {
      const config = loadSyncOrchestratorConfig(env);
      return { config, module: SyncOrchestrator.forRoot(config) };
    },
  },
  {
    name: 'mail-relay',
    portVariable: 'MAIL_RELAY_PORT',
    readiness: ['redis'],
    defaultPort: 3004,
    define: (env) => {
      const config = loadMailRelayConfig(env);
      return { config, module: MailRelay.forRoot(config) };
    },
  },
];

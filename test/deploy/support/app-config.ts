import { getMetadataStorage } from 'class-validator';
import {
  AuthEnv,
  ClientRegistryEnv,
  EventConsumerEnv,
  MailRelayEnv,
  SyncOrchestratorEnv,
  loadAuthConfig,
  loadClientRegistryConfig,
  loadEventConsumerConfig,
  loadMailRelayConfig,
  loadSyncOrchestratorConfig,
  type BaseConfig,
  type Env,
} from '@libs/config';
import { LAUNCH_VARIABLES } from './launch-env';
import type { PorticoApp } from './manifests';

/** What deployment files are checked against: the config an app's own loader builds. */
export type LoadedConfig = BaseConfig & { smtp?: { port: number } };

/** Each app's env schema and config loader (libs/config), the same ones its main.ts uses. */
export const APP_CONFIG: Record<
  PorticoApp,
  { schema: new () => object; load: (env: Env) => LoadedConfig }
> = {
  auth: { schema: AuthEnv, load: loadAuthConfig },
  'client-registry': { schema: ClientRegistryEnv, load: loadClientRegistryConfig },
  'event-consumer': { schema: EventConsumerEnv, load: loadEventConsumerConfig },
  'sync-orchestrator': { schema: SyncOrchestratorEnv, load: loadSyncOrchestratorConfig },
  'mail-relay': { schema: MailRelayEnv, load: loadMailRelayConfig },
};

/** The variables an env schema declares, optional ones included. */
export function declaredVariables(schema: new () => object): Set<string> {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(schema, '', true, false);
  return new Set(metadata.map((m) => m.propertyName));
}

/** Names in `env` that `schema` does not declare (an app would silently ignore them). */
export const undeclared = (env: Env, schema: new () => object): string[] => {
  const known = declaredVariables(schema);
  return Object.keys(env).filter((name) => !known.has(name) && !LAUNCH_VARIABLES.has(name));
};

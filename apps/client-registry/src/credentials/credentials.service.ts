import { Injectable, Logger } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';
import { DataSource, type EntityManager } from 'typeorm';
import { newEventId } from '@libs/messaging';
import { currentCorrelationId } from '@libs/observability';
import type { ProviderCredentials, ProviderName } from '@libs/provider-clients';
import { CredentialCipher } from './credential-cipher';
import type { CredentialsChange } from './credential-events';
import { CredentialEventsRelay } from './credential-events.relay';
import type {
  CredentialKey,
  PutCredentialsCommand,
  SetRelayLoginCommand,
} from './credential-requests';
import {
  CredentialRepository,
  type ColumnValues,
  type CredentialMetadata,
  type CredentialRow,
  type ListedRow,
  type ListPageQuery,
} from './credential.repository';
import { CredentialsOutboxRepository } from './credentials-outbox.repository';
import { CredentialsError, CredentialsErrorCode } from './credentials.errors';

/** `credentials.get`: the row's metadata and its decrypted credentials. */
export interface StoredCredentials extends CredentialMetadata {
  credentials: ProviderCredentials;
}

/** `credentials.put`: what was stored, without a secret. */
export interface PutCredentialsResult extends CredentialMetadata {
  change: Exclude<CredentialsChange, 'deleted'>;
}

/** `credentials.delete`: deleting absent credentials is not an error (retries are safe). */
export interface DeleteCredentialsResult {
  user_id: string;
  provider: ProviderName;
  deleted: boolean;
}

/** The mail relay's local login of a mailbox (null: the relay does not serve it). */
export interface RelayLogin {
  password_hash: string;
  max_messages_per_hour: number | null;
}

/** One row of `credentials.list`. */
export interface ListedCredentials extends StoredCredentials {
  relay: RelayLogin | null;
}

/** `credentials.list`: a page; rows that do not decrypt are named, never failing the page. */
export interface ListCredentialsResult {
  items: ListedCredentials[];
  unreadable: { user_id: string; provider: ProviderName; message: string }[];
  /** Pass as `after` for the next page; null on the last one. */
  next_after: string | null;
}

/** `credentials.setRelayLogin`: the row's metadata and its relay budget, never the hash. */
export interface SetRelayLoginResult extends CredentialMetadata {
  relay: { max_messages_per_hour: number | null } | null;
  change: 'updated';
}

/**
 * Users' provider credentials: encrypted before they reach PostgreSQL, decrypted only to answer
 * `credentials.get`; every write commits a change event with it (outbox). Nothing is cached:
 * callers cache the clients they build and evict them on the change events.
 */
@Injectable()
export class CredentialsService {
  private readonly logger = new Logger(CredentialsService.name);
  private readonly unreadable: Counter;

  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: CredentialRepository,
    private readonly outbox: CredentialsOutboxRepository,
    private readonly relay: CredentialEventsRelay,
    private readonly cipher: CredentialCipher,
    registry: Registry,
  ) {
    this.unreadable = new Counter({
      name: 'registry_credentials_unreadable_total',
      help: 'Reads of stored credentials that did not decrypt (wrong row, tampered, unknown key)',
      registers: [registry],
    });
  }

  /** The decrypted credentials; 65006 when none are stored, 65014 when they do not decrypt. */
  async get({ userId, provider }: CredentialKey): Promise<StoredCredentials> {
    const row = await this.repository.find(userId, provider);
    if (!row) throw CredentialsError.notFound(userId, provider);
    return this.decrypted(row);
  }

  /** A page of one provider's decrypted credentials, with each mailbox's relay login. */
  async list(query: ListPageQuery): Promise<ListCredentialsResult> {
    const rows = await this.repository.listPage(query);
    const result: ListCredentialsResult = { items: [], unreadable: [], next_after: null };
    for (const row of rows) {
      try {
        result.items.push({ ...(await this.decrypted(row)), relay: relayLoginOf(row) });
      } catch (error) {
        if (!isUnreadable(error)) throw error;
        result.unreadable.push({
          user_id: row.user_id,
          provider: row.provider,
          message: error.message,
        });
      }
    }
    if (rows.length === query.limit) result.next_after = rows[rows.length - 1].user_id;
    return result;
  }

  /** Sets or removes the mail relay's login of an existing mailbox row (a change event too). */
  async setRelayLogin(command: SetRelayLoginCommand): Promise<SetRelayLoginResult> {
    const { userId, provider, passwordHash, maxMessagesPerHour } = command;
    const result = await this.write(command, async (manager): Promise<SetRelayLoginResult> => {
      const row = await this.repository.setRelayLogin(manager, userId, provider, {
        relay_password_hash: passwordHash,
        relay_max_messages_per_hour: maxMessagesPerHour,
      });
      if (!row) throw CredentialsError.notFound(userId, provider);
      const { relay_password_hash: hash, relay_max_messages_per_hour: perHour, ...metadata } = row;
      const relay = hash === null ? null : { max_messages_per_hour: perHour };
      return { ...metadata, relay, change: 'updated' };
    });
    const what = passwordHash === null ? 'relay login removed' : 'relay login stored';
    this.logger.log({ user_id: userId, provider }, what);
    return result;
  }

  /** Stores credentials (replacing or merging) and commits a change event with them. */
  async put(command: PutCredentialsCommand): Promise<PutCredentialsResult> {
    const { userId, provider } = command;
    const values: ColumnValues = {
      ...this.cipher.seal(userId, provider, command.fields),
      email: command.email,
      scopes: command.scopes,
      is_active: command.isActive,
    };
    const result = await this.write(command, async (manager): Promise<PutCredentialsResult> => {
      if (command.mode === 'replace') {
        const { metadata, created } = await this.repository.replace(
          manager,
          userId,
          provider,
          values,
        );
        return { ...metadata, change: created ? 'created' : 'updated' };
      }
      const metadata = await this.repository.merge(manager, userId, provider, values);
      if (!metadata) throw CredentialsError.notFound(userId, provider);
      return { ...metadata, change: 'updated' };
    });
    this.logger.log(
      { user_id: userId, provider, change: result.change, mode: command.mode },
      'credentials stored',
    );
    return result;
  }

  /** Deletes credentials; a change event is committed only when there were some. */
  async delete(key: CredentialKey): Promise<DeleteCredentialsResult> {
    const { userId, provider } = key;
    const deleted = await this.write(key, async (manager) => {
      const gone = await this.repository.delete(manager, userId, provider);
      return gone ? { change: 'deleted' as const } : undefined;
    });
    if (deleted) this.logger.log({ user_id: userId, provider }, 'credentials deleted');
    return { user_id: userId, provider, deleted: deleted !== undefined };
  }

  /**
   * One transaction: the change, then its outbox row when `change` reports one; after commit,
   * wake the relay.
   */
  private async write<T extends { change: CredentialsChange } | undefined>(
    { userId, provider }: CredentialKey,
    change: (manager: EntityManager) => Promise<T>,
  ): Promise<T> {
    const correlationId = currentCorrelationId() ?? null;
    const result = await this.inTransaction(async (manager) => {
      const done = await change(manager);
      if (done) {
        await this.outbox.insert(manager, {
          event_id: newEventId(),
          user_id: userId,
          provider,
          change: done.change,
          correlation_id: correlationId,
        });
      }
      return done;
    });
    if (result) this.relay.poke();
    return result;
  }

  /** The row's metadata and decrypted credentials; 65014 (logged, counted) when they do not decrypt. */
  private async decrypted(row: CredentialRow): Promise<StoredCredentials> {
    const { user_id, provider, is_active, email, scopes, created_at, updated_at } = row;
    try {
      const credentials = await this.cipher.open(row);
      return { user_id, provider, is_active, email, scopes, created_at, updated_at, credentials };
    } catch (error) {
      if (isUnreadable(error)) {
        this.unreadable.inc();
        this.logger.error({ user_id, provider }, error.message);
      }
      throw error;
    }
  }

  private async inTransaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.dataSource.transaction(work);
    } catch (error) {
      if (error instanceof CredentialsError) throw error;
      throw CredentialsError.database(error);
    }
  }
}

function isUnreadable(error: unknown): error is CredentialsError {
  return error instanceof CredentialsError && error.code === CredentialsErrorCode.Unreadable;
}

function relayLoginOf(row: ListedRow): RelayLogin | null {
  const { relay_password_hash: hash, relay_max_messages_per_hour: perHour } = row;
  return hash === null ? null : { password_hash: hash, max_messages_per_hour: perHour };
}

import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { JWK } from 'jose';
import type { SigningAlgorithm } from './jwt-signer';

export type KeyState = 'next' | 'current' | 'retired';

export interface StoredSigningKey {
  kid: string;
  alg: SigningAlgorithm;
  public_jwk: JWK;
  /** PKCS#8 DER wrapped by the KEK (`pk1:…`), bound to the kid. */
  private_key_enc: string;
  state: KeyState;
  created_at: Date;
  activated_at: Date | null;
  retired_at: Date | null;
  remove_after: Date | null;
}

const TABLE = 'auth.signing_keys';
// Serializes rotation across auth pods (pg_advisory_xact_lock key).
const ROTATION_LOCK = 7_363_001;

/** Queries of `auth.signing_keys`. */
@Injectable()
export class SigningKeyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Every key still published (removal time not reached). */
  async published(): Promise<StoredSigningKey[]> {
    return this.dataSource.query(
      `SELECT * FROM ${TABLE} WHERE remove_after IS NULL OR remove_after > now() ORDER BY created_at`,
    ) as Promise<StoredSigningKey[]>;
  }

  /** Runs `work` in a transaction holding the rotation lock. */
  withRotationLock<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [ROTATION_LOCK]);
      return work(manager);
    });
  }

  async all(manager: EntityManager): Promise<StoredSigningKey[]> {
    return manager.query(`SELECT * FROM ${TABLE} ORDER BY created_at`) as Promise<
      StoredSigningKey[]
    >;
  }

  async insert(
    manager: EntityManager,
    key: Omit<StoredSigningKey, 'created_at' | 'retired_at' | 'remove_after'>,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO ${TABLE} (kid, alg, public_jwk, private_key_enc, state, activated_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        key.kid,
        key.alg,
        JSON.stringify(key.public_jwk),
        key.private_key_enc,
        key.state,
        key.activated_at,
      ],
    );
  }

  /** The current key becomes retired (published until `removeAfter`) and `nextKid` becomes current. */
  async promote(manager: EntityManager, nextKid: string, removeAfter: Date): Promise<void> {
    await manager.query(
      `UPDATE ${TABLE} SET state = 'retired', retired_at = now(), remove_after = $1 WHERE state = 'current'`,
      [removeAfter],
    );
    await manager.query(
      `UPDATE ${TABLE} SET state = 'current', activated_at = now() WHERE kid = $1`,
      [nextKid],
    );
  }

  async deleteRemoved(manager: EntityManager): Promise<void> {
    await manager.query(
      `DELETE FROM ${TABLE} WHERE remove_after IS NOT NULL AND remove_after <= now()`,
    );
  }
}

import { CreateDateColumn, UpdateDateColumn } from 'typeorm';

/**
 * Entity convention: timestamptz `created_at` / `updated_at` set by PostgreSQL.
 * Entities declare their schema explicitly (`@Entity({ schema: 'auth', name: '…' })`).
 */
export abstract class TimestampedEntity {
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/** One schema per owning app; tables arrive with the apps' own migrations. */
export class CreateSchemas1763683200000 implements MigrationInterface {
  name = 'CreateSchemas1763683200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE SCHEMA IF NOT EXISTS client_registry');
    await queryRunner.query('CREATE SCHEMA IF NOT EXISTS auth');
    await queryRunner.query('CREATE SCHEMA IF NOT EXISTS sync');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP SCHEMA IF EXISTS sync');
    await queryRunner.query('DROP SCHEMA IF EXISTS auth');
    await queryRunner.query('DROP SCHEMA IF EXISTS client_registry');
  }
}

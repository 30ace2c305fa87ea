import { CreateSchemas1763683200000 } from './1763683200000-CreateSchemas';

/**
 * Every migration, oldest first. Listed explicitly (not globbed) so the same list runs from
 * compiled JavaScript, from ts-jest's global setup and from the CLI; a test checks that every
 * file in this folder is listed. Migrations import nothing from the apps or libs.
 */
export const migrations = [CreateSchemas1763683200000];

export const MIGRATIONS_TABLE = 'portico_migrations';

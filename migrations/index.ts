import { CreateSchemas1763683200000 } from './1763683200000-CreateSchemas';
import { CreateClientRegistry1763683250000 } from './1763683250000-CreateClientRegistry';
import { CreateAuthTables1763683260000 } from './1763683260000-CreateAuthTables';
import { CreateUserCredentials1763683270000 } from './1763683270000-CreateUserCredentials';
import { CreateSyncTables1763683300000 } from './1763683300000-CreateSyncTables';
import { AddMailRelayLogins1763683400000 } from './1763683400000-AddMailRelayLogins';
import { BatchClientOutbox1763683500000 } from './1763683500000-BatchClientOutbox';
import { DropClientsUpdatedIndex1763683600000 } from './1763683600000-DropClientsUpdatedIndex';

/**
 * Every migration, oldest first. Listed explicitly (not globbed) so the same list runs from
 * compiled JavaScript, from ts-jest's global setup and from the CLI; a test checks that every
 * file in this folder is listed. Migrations import nothing from the apps or libs.
 */
export const migrations = [
  CreateSchemas1763683200000,
  CreateClientRegistry1763683250000,
  CreateAuthTables1763683260000,
  CreateUserCredentials1763683270000,
  CreateSyncTables1763683300000,
  AddMailRelayLogins1763683400000,
  BatchClientOutbox1763683500000,
  DropClientsUpdatedIndex1763683600000,
];

export const MIGRATIONS_TABLE = 'portico_migrations';

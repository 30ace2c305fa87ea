import { AppError } from '@libs/models';

/** Registry error codes; 65006 and 65011 are kept from the original system. */
export enum ClientsErrorCode {
  NotFound = 65006,
  Database = 65011,
  InvalidInput = 65012,
  Conflict = 65013,
}

const STATUS: Record<ClientsErrorCode, number> = {
  [ClientsErrorCode.NotFound]: 404,
  [ClientsErrorCode.Database]: 503,
  [ClientsErrorCode.InvalidInput]: 400,
  [ClientsErrorCode.Conflict]: 409,
};

export class ClientsError extends AppError<ClientsErrorCode> {
  override get httpStatus(): number {
    return STATUS[this.code];
  }

  static notFound(clientId: string): ClientsError {
    return new ClientsError(ClientsErrorCode.NotFound, `client ${clientId} not found`);
  }
}

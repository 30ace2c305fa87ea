import { IsUUID } from 'class-validator';

export class ClientIdParams {
  @IsUUID()
  clientId!: string;
}

import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { MessageType, type ApiResponseData } from '@libs/sync-client';

/** `data` of a `discogs_api_response` message (the body's size is checked separately). */
export class ApiResponseDataDto implements ApiResponseData {
  @IsUUID()
  requestId!: string;

  @IsInt()
  @Min(0)
  @Max(599)
  status!: number;

  @IsObject()
  headers!: Record<string, string>;

  @IsString()
  body!: string;

  @IsOptional()
  @IsString()
  @MaxLength(1_000)
  error?: string;
}

/** The envelope a client sends: only `discogs_api_response` messages are accepted. */
export class ApiResponseEnvelopeDto {
  @IsString()
  @MaxLength(128)
  id!: string;

  @IsIn([MessageType.ApiResponse])
  type!: typeof MessageType.ApiResponse;

  @IsString()
  @MaxLength(128)
  channel!: string;

  @IsOptional()
  @IsString()
  @MaxLength(32)
  action?: string;

  @IsObject()
  @ValidateNested()
  @Type(() => ApiResponseDataDto)
  data!: ApiResponseDataDto;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  timestamp?: string;
}

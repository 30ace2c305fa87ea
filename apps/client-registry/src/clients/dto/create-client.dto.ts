import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { IsCidrList } from '@libs/models';
import type { ClientFields } from '../client-fields';

const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/; // RFC 6749 §3.3 scope-token

export class CreateClientDto implements ClientFields {
  @ApiPropertyOptional({ example: 'acme-billing' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  client_code?: string;

  @ApiPropertyOptional({ example: 'bap.acme.example' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  bap_id?: string;

  @ApiPropertyOptional({ example: 'https://bap.acme.example/callback' })
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  @MaxLength(2048)
  bap_uri?: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['10.0.0.0/8', '2001:db8::1'],
    description: 'empty: any address',
  })
  @IsOptional()
  @IsCidrList()
  @ArrayMaxSize(256)
  allowed_ips?: string[];

  @ApiPropertyOptional({ example: 600, description: 'token requests per rate-limit window' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  rate_limit?: number;

  @ApiPropertyOptional({ type: [String], example: ['orders:read', 'introspect'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(64)
  @Matches(SCOPE, { each: true })
  scopes?: string[];

  @ApiPropertyOptional({ type: [String], example: ['client_credentials'] })
  @IsOptional()
  @IsArray()
  @IsIn(['client_credentials'], { each: true })
  grant_types?: string[];

  @ApiPropertyOptional({ type: Object, example: { team: 'billing' } })
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;

  @ApiPropertyOptional({ example: 900, description: 'access-token lifetime in seconds (60–86400)' })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(86_400)
  access_token_ttl?: number;
}

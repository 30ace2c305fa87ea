import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { MAIL_PROVIDERS, type MailProvider } from '@libs/config';

/** One entry of `accounts.json`, with the file's snake_case names. */
export class AccountEntryDto {
  @IsEmail({ require_tld: false })
  email!: string;

  @IsIn(MAIL_PROVIDERS)
  provider!: MailProvider;

  @IsString()
  @MinLength(1)
  client_id!: string;

  @IsString()
  @MinLength(1)
  client_secret!: string;

  @IsString()
  @MinLength(1)
  refresh_token!: string;

  /** Plain text (at least 8 characters) or a `sha256$…` / `$argon2id$…` hash. */
  @IsString()
  @MinLength(8)
  local_password!: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  max_messages_per_hour?: number;
}

/** The whole `accounts.json`. */
export class AccountsFileDto {
  @IsArray()
  @ArrayMaxSize(100_000)
  @ValidateNested({ each: true })
  @Type(() => AccountEntryDto)
  accounts!: AccountEntryDto[];
}

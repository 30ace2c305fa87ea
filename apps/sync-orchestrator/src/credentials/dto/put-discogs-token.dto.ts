import { IsString, Length, Matches } from 'class-validator';

/** Body of `PUT /api/users/discogs-token`. */
export class PutDiscogsTokenDto {
  /** The user's Discogs personal access token (printable ASCII, no spaces). */
  @IsString()
  @Length(1, 256)
  @Matches(/^[\x21-\x7e]+$/, { message: 'token must be printable ASCII without spaces' })
  token!: string;
}

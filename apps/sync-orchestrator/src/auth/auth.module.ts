import { Module } from '@nestjs/common';
import { AccessTokenVerifier } from './access-token.verifier';
import { BearerAuthGuard } from './bearer-auth.guard';

/** Verification of users' access tokens (REST guard and socket handshake). */
@Module({
  providers: [AccessTokenVerifier, BearerAuthGuard],
  exports: [AccessTokenVerifier, BearerAuthGuard],
})
export class AuthModule {}

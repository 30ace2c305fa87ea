import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AdminConfig } from '@libs/config';
import { CommonError, CommonErrorCode } from '@libs/models';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Admits requests bearing `Authorization: Bearer <ADMIN_TOKEN>` (compared in constant time). */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(config: AdminConfig) {
    this.expected = digest(config.token);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | undefined> }>();
    const match = /^Bearer ([^\s]+)$/.exec(request.headers.authorization ?? '');
    // Hashing both sides first makes the comparison length-independent.
    if (match && timingSafeEqual(digest(match[1]), this.expected)) return true;
    throw new CommonError(CommonErrorCode.Unauthorized, 'a valid admin bearer token is required');
  }
}

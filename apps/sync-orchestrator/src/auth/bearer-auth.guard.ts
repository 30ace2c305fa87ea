import {
  createParamDecorator,
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { AccessTokenVerifier, bearerToken, type AuthenticatedUser } from './access-token.verifier';

interface AuthenticatedRequest {
  headers: Record<string, unknown>;
  user?: AuthenticatedUser;
}

/** Lets a request through only with a valid user access token; the user lands on the request. */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(private readonly verifier: AccessTokenVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.user = await this.verifier.verify(bearerToken(request.headers.authorization));
    return true;
  }
}

/** The id (`sub`) of the user the guard authenticated. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  return request.user?.userId;
});

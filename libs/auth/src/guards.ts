import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { SWITCHYARD_CONFIG, type SwitchyardConfig } from '@switchyard/config';
import type { Request } from 'express';
import { constantTimeEquals } from './api-key';
import { ApiKeyService } from './api-key.service';
import { Principal } from './principal';

export type AuthenticatedRequest = Request & { principal?: Principal };

/** One message for every authentication failure: no hint which part was wrong. */
const UNAUTHORIZED = 'missing or invalid credentials';

/** Requires `Authorization: Bearer <client or agent key>`; sets `request.principal`. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(@Inject(ApiKeyService) private readonly keys: ApiKeyService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await authenticateBearer(context, this.keys);
    return true;
  }
}

async function authenticateBearer(context: ExecutionContext, keys: ApiKeyService): Promise<Principal> {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer ([^\s]+)$/i.exec(header) : null;
  const principal = match ? await keys.authenticate(match[1]) : undefined;
  if (!principal) throw new UnauthorizedException(UNAUTHORIZED);
  request.principal = principal;
  return principal;
}

/** Requires an agent's key (routes an agent calls about its own work); any other valid key is 403. */
@Injectable()
export class AgentKeyGuard implements CanActivate {
  constructor(@Inject(ApiKeyService) private readonly keys: ApiKeyService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const principal = await authenticateBearer(context, this.keys);
    if (principal.kind !== 'agent') throw new ForbiddenException('this route takes an agent key');
    return true;
  }
}

/** Requires `x-admin-key` equal to ADMIN_API_KEY; with ADMIN_API_KEY empty, nothing passes. */
@Injectable()
export class AdminKeyGuard implements CanActivate {
  constructor(@Inject(SWITCHYARD_CONFIG) private readonly config: SwitchyardConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const given = request.headers['x-admin-key'];
    const expected = this.config.adminApiKey;
    if (!expected || typeof given !== 'string' || !constantTimeEquals(given, expected)) {
      throw new UnauthorizedException(UNAUTHORIZED);
    }
    request.principal = { kind: 'admin' };
    return true;
  }
}

/**
 * Takes either credential: `x-admin-key` when the header is present (checked
 * as AdminKeyGuard does, so a wrong one is 401, never a fall-back to the
 * bearer key), otherwise a bearer client or agent key. For routes where the
 * admin acts on everything and a key holder on its own things.
 */
@Injectable()
export class AdminOrApiKeyGuard implements CanActivate {
  private readonly admin: AdminKeyGuard;

  constructor(
    @Inject(ApiKeyService) private readonly keys: ApiKeyService,
    @Inject(SWITCHYARD_CONFIG) config: SwitchyardConfig,
  ) {
    this.admin = new AdminKeyGuard(config);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (request.headers['x-admin-key'] !== undefined) return this.admin.canActivate(context);
    await authenticateBearer(context, this.keys);
    return true;
  }
}

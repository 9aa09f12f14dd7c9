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

/**
 * How many times the request names a header. Node keeps only the first of a
 * repeated `Authorization`; a proxy in front may keep the last, so a request
 * that names its credential twice is refused rather than read either way.
 */
function occurrences(request: Request, name: string): number {
  let count = 0;
  for (let i = 0; i < request.rawHeaders.length; i += 2) if (request.rawHeaders[i].toLowerCase() === name) count++;
  return count;
}

async function authenticateBearer(context: ExecutionContext, keys: ApiKeyService): Promise<Principal> {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  const header = occurrences(request, 'authorization') === 1 ? request.headers.authorization : undefined;
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

/**
 * Takes either credential: `x-admin-key` (an admin) or a client's bearer
 * key. No credential, or a wrong one, is 401; an agent's key is 403.
 */
@Injectable()
export class AdminOrClientGuard implements CanActivate {
  constructor(
    @Inject(ApiKeyService) private readonly keys: ApiKeyService,
    @Inject(SWITCHYARD_CONFIG) private readonly config: SwitchyardConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (request.headers['x-admin-key'] !== undefined) return authenticateAdmin(context, this.config);
    const principal = await authenticateBearer(context, this.keys);
    if (principal.kind !== 'client') throw new ForbiddenException('this route takes a client key or the admin key');
    return true;
  }
}

/**
 * For routes anyone may read: a request without credentials passes with no
 * principal (an anonymous reader); one that presents `x-admin-key` or a
 * bearer key must present a valid one (401 otherwise), and gets its principal.
 */
@Injectable()
export class OptionalAuthGuard implements CanActivate {
  constructor(
    @Inject(ApiKeyService) private readonly keys: ApiKeyService,
    @Inject(SWITCHYARD_CONFIG) private readonly config: SwitchyardConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (request.headers['x-admin-key'] !== undefined) return authenticateAdmin(context, this.config);
    if (request.headers.authorization !== undefined) await authenticateBearer(context, this.keys);
    return true;
  }
}

function authenticateAdmin(context: ExecutionContext, config: SwitchyardConfig): true {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  const given = request.headers['x-admin-key'];
  const expected = config.adminApiKey;
  if (
    !expected ||
    typeof given !== 'string' ||
    occurrences(request, 'x-admin-key') !== 1 ||
    !constantTimeEquals(given, expected)
  ) {
    throw new UnauthorizedException(UNAUTHORIZED);
  }
  request.principal = { kind: 'admin' };
  return true;
}

/** Requires `x-admin-key` equal to ADMIN_API_KEY; with ADMIN_API_KEY empty, nothing passes. */
@Injectable()
export class AdminKeyGuard implements CanActivate {
  constructor(@Inject(SWITCHYARD_CONFIG) private readonly config: SwitchyardConfig) {}

  canActivate(context: ExecutionContext): boolean {
    return authenticateAdmin(context, this.config);
  }
}

/**
 * For read routes open to operators and API keys alike: `x-admin-key` when the
 * request carries one (checked as by AdminKeyGuard; a wrong one is refused,
 * never retried as a bearer), otherwise a bearer client or agent key.
 */
@Injectable()
export class AdminOrApiKeyGuard implements CanActivate {
  private readonly admin: AdminKeyGuard;
  private readonly apiKey: ApiKeyGuard;

  constructor(@Inject(ApiKeyService) keys: ApiKeyService, @Inject(SWITCHYARD_CONFIG) config: SwitchyardConfig) {
    this.admin = new AdminKeyGuard(config);
    this.apiKey = new ApiKeyGuard(keys);
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    return request.headers['x-admin-key'] !== undefined
      ? this.admin.canActivate(context)
      : this.apiKey.canActivate(context);
  }
}

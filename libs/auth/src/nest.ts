import {
  CanActivate,
  createParamDecorator,
  CustomDecorator,
  DynamicModule,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  InternalServerErrorException,
  Module,
  Optional,
  Provider,
  ServiceUnavailableException,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { Role, VigilClaims } from '@vigil/contracts';
import { AuthError } from './errors';
import { bearerToken, TokenVerifier, VerifiedToken, VerifierConfig } from './verify';

export const ROLES_METADATA = 'vigil:auth:roles';
export const PUBLIC_METADATA = 'vigil:auth:public';
/** Where the guard leaves the verified claims on the request. */
export const CLAIMS_PROPERTY = 'vigilClaims';
/** Where the guard leaves when the credential expires (ms), e.g. for a stream that must end then. */
export const EXPIRY_PROPERTY = 'vigilCredentialExpiresAt';

/**
 * Another credential than the Authorization header, for routes that cannot send one (an SSE
 * stream's single-use ticket). Return the verified credential, undefined to fall back to the
 * header, or throw an AuthError. Provide it as AUTH_CREDENTIAL_RESOLVER.
 */
export interface CredentialResolver {
  resolve(
    request: { headers: Record<string, string | string[] | undefined>; query?: unknown; routeOptions?: { url?: string } },
    verifier: TokenVerifier,
  ): Promise<VerifiedToken | undefined>;
}
export const AUTH_CREDENTIAL_RESOLVER = Symbol('AuthCredentialResolver');

/** Only these roles may call the route (or every route of the controller). Without it: any valid token. */
export const Roles = (...roles: Role[]): CustomDecorator<string> => SetMetadata(ROLES_METADATA, roles);

/** The route answers without a token (health, metrics). */
export const Public = (): CustomDecorator<string> => SetMetadata(PUBLIC_METADATA, true);

interface RequestWithClaims {
  headers: Record<string, string | string[] | undefined>;
  [CLAIMS_PROPERTY]?: VigilClaims;
  [EXPIRY_PROPERTY]?: number;
}

interface ReplyLike {
  header?(name: string, value: string): unknown;
  setHeader?(name: string, value: string): unknown;
}

/** The verified claims of the current request (set by AuthGuard). */
export function claimsOf(request: unknown): VigilClaims | undefined {
  return (request as RequestWithClaims | undefined)?.[CLAIMS_PROPERTY];
}

/** When the verified credential of the current request expires (ms since the epoch). */
export function credentialExpiryOf(request: unknown): number | undefined {
  return (request as RequestWithClaims | undefined)?.[EXPIRY_PROPERTY];
}

/** `@Claims() claims: VigilClaims` in a handler guarded by AuthGuard. */
export const Claims = createParamDecorator((_data: unknown, ctx: ExecutionContext): VigilClaims => {
  const claims = claimsOf(ctx.switchToHttp().getRequest());
  // A handler that asks for claims on a route the guard did not protect is a programming error.
  if (!claims) throw new InternalServerErrorException('route is missing AuthGuard');
  return claims;
});

function setHeader(reply: ReplyLike, name: string, value: string): void {
  if (typeof reply.header === 'function') reply.header(name, value);
  else if (typeof reply.setHeader === 'function') reply.setHeader(name, value);
}

/**
 * Verifies the bearer token (401 missing / invalid / expired; 503 if the JWKS cannot be fetched),
 * then checks `@Roles` (403). Routes marked `@Public()` pass. Works on Fastify and Express.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Optional() @Inject(AUTH_CREDENTIAL_RESOLVER) private readonly resolver?: CredentialResolver,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_METADATA, targets)) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<RequestWithClaims>();
    const reply = http.getResponse<ReplyLike>();
    let verified: VerifiedToken;
    try {
      verified = (await this.resolver?.resolve(request, this.verifier)) ?? (await this.verifier.verifyDetailed(bearerToken(request.headers['authorization'])));
    } catch (e) {
      throw toHttpException(e, reply);
    }
    const claims = verified.claims;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_METADATA, targets);
    if (roles && roles.length > 0 && !roles.includes(claims.role)) {
      throw new ForbiddenException({ message: `role ${claims.role} may not do this`, code: 'role_not_allowed' });
    }
    request[CLAIMS_PROPERTY] = claims;
    request[EXPIRY_PROPERTY] = verified.expiresAtMs;
    return true;
  }
}

/** AuthError -> the Nest HTTP exception (and the RFC 6750 WWW-Authenticate header on a 401). */
export function toHttpException(e: unknown, reply?: ReplyLike): Error {
  if (!(e instanceof AuthError)) return e instanceof Error ? e : new Error(String(e));
  const body = { message: e.message, code: e.code };
  switch (e.kind) {
    case 'unauthenticated':
      if (reply) {
        setHeader(reply, 'WWW-Authenticate', body.code === 'token_missing' ? 'Bearer' : 'Bearer error="invalid_token"');
      }
      return new UnauthorizedException(body);
    case 'forbidden':
      return new ForbiddenException(body);
    case 'unavailable':
      if (reply) setHeader(reply, 'Retry-After', '5');
      return new ServiceUnavailableException(body);
  }
}

export interface AuthModuleOptions {
  /** The verifier settings, or a factory (e.g. reading the service configuration). */
  verifier: VerifierConfig | (() => VerifierConfig | Promise<VerifierConfig>);
  /** Register AuthGuard as a global guard (then mark open routes with @Public()). Default true. */
  globalGuard?: boolean;
  /** A second credential source, tried before the Authorization header (see CredentialResolver). */
  credentialResolver?: CredentialResolver;
}

@Module({})
export class AuthModule {
  static forRoot(options: AuthModuleOptions): DynamicModule {
    const providers: Provider[] = [
      {
        provide: TokenVerifier,
        useFactory: async () => TokenVerifier.create(typeof options.verifier === 'function' ? await options.verifier() : options.verifier),
      },
      AuthGuard,
    ];
    if (options.credentialResolver) providers.push({ provide: AUTH_CREDENTIAL_RESOLVER, useValue: options.credentialResolver });
    if (options.globalGuard !== false) providers.push({ provide: APP_GUARD, useExisting: AuthGuard });
    return { module: AuthModule, global: true, providers, exports: [TokenVerifier, AuthGuard] };
  }
}

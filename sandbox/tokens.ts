import { randomBytes, timingSafeEqual } from 'node:crypto';
import { ApiError, unauthorized } from './api-error';

export const ACCEPTED_SCOPES = ['PIS', 'payout'] as const;

interface IssuedToken {
  scope: string;
  expiresAt: number;
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Client-credentials OAuth as Fintecture's `POST /oauth/accesstoken` (fintecture-api.md §2). */
export class TokenAuthority {
  private readonly tokens = new Map<string, IssuedToken>();

  constructor(
    private readonly appId: string,
    private readonly appSecret: string,
    private readonly now: () => number = Date.now,
  ) {}

  issue(authorization: string | undefined, form: URLSearchParams, ttlSeconds: number) {
    const basic = /^Basic\s+(.+)$/i.exec(authorization ?? '');
    if (!basic?.[1])
      throw unauthorized('invalid_client', 'Authorization header with Basic credentials is required');
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const id = colon < 0 ? decoded : decoded.slice(0, colon);
    const secret = colon < 0 ? '' : decoded.slice(colon + 1);
    if (!sameSecret(id, this.appId) || !sameSecret(secret, this.appSecret)) {
      throw unauthorized('invalid_client', 'Basic credentials do not match a registered application');
    }
    if (form.get('grant_type') !== 'client_credentials') {
      throw new ApiError(400, [
        {
          code: 'unsupported_grant_type',
          title: 'Bad Request',
          message: 'grant_type must be client_credentials',
        },
      ]);
    }
    if (form.get('app_id') !== this.appId)
      throw unauthorized('invalid_app_id', 'app_id does not match the credentials');
    const scope = form.get('scope') ?? '';
    if (!(ACCEPTED_SCOPES as readonly string[]).includes(scope)) {
      throw unauthorized('invalid_scopes', `scope must be one of ${ACCEPTED_SCOPES.join(', ')}`);
    }
    const token = randomBytes(32).toString('base64url');
    this.tokens.set(token, { scope, expiresAt: this.now() + ttlSeconds * 1000 });
    return { token_type: 'Bearer', access_token: token, expires_in: ttlSeconds };
  }

  /** Throws 401 `invalid_token` unless the bearer token is one we issued and it is still valid. */
  check(authorization: string | undefined): void {
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!bearer?.[1])
      throw unauthorized('invalid_token', 'Authorization header with a Bearer token is required');
    const issued = this.tokens.get(bearer[1]);
    if (!issued) throw unauthorized('invalid_token', 'The access token is unknown or was revoked');
    if (issued.expiresAt <= this.now()) throw unauthorized('invalid_token', 'The access token has expired');
  }

  /** Every token issued and not revoked (the control API hands them to leak checks). */
  issued(): string[] {
    return [...this.tokens.keys()];
  }

  revokeAll(): number {
    const count = this.tokens.size;
    this.tokens.clear();
    return count;
  }
}

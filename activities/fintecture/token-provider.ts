import { type Logger } from '@temporalio/common';
import { type Clock } from './clock';
import { Secret } from '../../common/secret';

export interface AccessToken {
  readonly value: Secret<string>;
  /** Epoch ms at which Fintecture stops accepting it. */
  readonly expiresAt: number;
}

/** Obtains a fresh token from Fintecture (`POST /oauth/accesstoken`). */
export type TokenFetcher = () => Promise<{ accessToken: string; expiresInSeconds: number }>;

export interface TokenProviderOptions {
  fetchToken: TokenFetcher;
  clock: Clock;
  /** Renew this long before expiry; capped at half the token's lifetime so short-lived tokens still get used. */
  refreshMarginMs: number;
  logger: Logger;
}

interface CachedToken extends AccessToken {
  /** Epoch ms after which we stop handing it out and fetch a new one. */
  readonly renewAt: number;
}

/**
 * The worker's client-credentials token: one per process, shared by every activity, renewed ahead of
 * `expires_in`, with at most one renewal in flight however many callers ask. It never leaves the worker.
 */
export class TokenProvider {
  readonly #options: TokenProviderOptions;
  #current: CachedToken | undefined;
  #renewal: Promise<CachedToken> | undefined;

  constructor(options: TokenProviderOptions) {
    this.#options = options;
  }

  /** A token valid for at least the refresh margin. `signal` stops this caller waiting, not the shared renewal. */
  async getToken(signal?: AbortSignal): Promise<AccessToken> {
    const current = this.#current;
    if (current && this.#options.clock.now() < current.renewAt) return current;
    return abandonOnAbort(this.#renew(), signal);
  }

  /**
   * Fintecture said `invalid_token` for this token: drop it, unless it was already replaced (many calls may
   * fail with the same old token, and only the first should cause a renewal).
   */
  invalidate(token: AccessToken): void {
    if (this.#current === token) this.#current = undefined;
  }

  #renew(): Promise<CachedToken> {
    this.#renewal ??= (async () => {
      try {
        const requestedAt = this.#options.clock.now();
        const { accessToken, expiresInSeconds } = await this.#options.fetchToken();
        const lifetimeMs = expiresInSeconds * 1000;
        const expiresAt = requestedAt + lifetimeMs;
        const token: CachedToken = {
          value: new Secret(accessToken),
          expiresAt,
          renewAt: expiresAt - Math.min(this.#options.refreshMarginMs, lifetimeMs / 2),
        };
        this.#current = token;
        this.#options.logger.info('Fintecture access token obtained', {
          expiresAt: new Date(expiresAt).toISOString(),
        });
        return token;
      } finally {
        this.#renewal = undefined;
      }
    })();
    return this.#renewal;
  }
}

function abandonOnAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * Holds a secret (app secret, private key, access token, API key, TLS key) so that printing, logging or serialising the
 * object that carries it shows `[redacted]`. Only `reveal()` gives the value, at the point of use.
 */
export class Secret<T> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  reveal(): T {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }
}

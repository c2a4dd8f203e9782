import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * Carries a secret (API key, private key, TLS key) so that printing, logging or serialising whatever holds
 * it shows `[redacted]`. Only `reveal()` gives the value, at the point of use.
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

/**
 * Reading what Fintecture echoes back (webhook fields, redirect query): attacker-reachable text, so only
 * values of the expected shape are used.
 */

/** Status codes are passed on as hints only, and only when they look like codes. */
const CODE_PATTERN = /^[a-z][a-z_-]{0,63}$/;

export function codeOrUndefined(value: string | undefined | null): string | undefined {
  return value && CODE_PATTERN.test(value) ? value : undefined;
}

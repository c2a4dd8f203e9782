import { ORDER_ID_PATTERN } from '../../domain/payout-request';

/**
 * Reading what Fintecture echoes back (webhook fields, redirect query): attacker-reachable text, so only
 * values of the expected shape are used.
 */

/** `state` is `payout-<orderId>` (DESIGN.md §3); anything else is not one of our payouts. */
const STATE_PATTERN = new RegExp(`^payout-(${ORDER_ID_PATTERN.source.slice(1, -1)})$`);
/** Status codes are passed on as hints only, and only when they look like codes. */
const CODE_PATTERN = /^[a-z][a-z_-]{0,63}$/;

export function orderIdFromState(state: string | undefined | null): string | null {
  const match = state ? STATE_PATTERN.exec(state) : null;
  return match?.[1] ?? null;
}

export function codeOrUndefined(value: string | undefined | null): string | undefined {
  return value && CODE_PATTERN.test(value) ? value : undefined;
}

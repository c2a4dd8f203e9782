import { randomUUID } from 'node:crypto';

/** Valid test bank details (real check digits). */
export const TEST_IBAN = 'FR1420041010050500013M02606';
export const TEST_BIC = 'PSSTFRPPXXX';

/** Query of a request-for-payout with a fresh state, as our workflow would send it. */
export function payoutQuery(
  redirectUri = 'https://shop.example/payouts/return',
  state = `payout-${randomUUID()}`,
) {
  return {
    state,
    path: `/pis/v2/request-for-payout?${new URLSearchParams({ redirect_uri: redirectUri, state })}`,
  };
}

/** Scenario 1: no verified beneficiary, the payee gets a link. */
export function linkPayoutBody(overrides: { amount?: string; expiry?: number; method?: string } = {}) {
  return {
    meta: {
      psu_name: 'John Doe',
      psu_email: 'john@doe.example',
      expiry: overrides.expiry ?? 604800,
      method: overrides.method ?? 'link',
    },
    data: {
      type: 'payments',
      attributes: {
        amount: overrides.amount ?? '26.99',
        currency: 'EUR',
        communication: 'MyShop REFUND from Order 123',
      },
    },
  };
}

/** Scenario 2: a verified beneficiary is paid at once. */
export function verifiedPayoutBody(amount = '26.99', endToEndId?: string) {
  return {
    meta: { psu_name: 'John Doe', psu_email: 'john@doe.example' },
    data: {
      type: 'payments',
      attributes: {
        amount,
        currency: 'EUR',
        communication: 'MyShop REFUND from Order 123',
        ...(endToEndId ? { end_to_end_id: endToEndId } : {}),
        beneficiary: { name: 'John Doe', iban: TEST_IBAN, swift_bic: TEST_BIC },
      },
    },
  };
}

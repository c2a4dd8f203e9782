import { TEST_BIC, TEST_IBAN } from './payout-bodies';

/**
 * Order bodies for the conflict tests (issue 11): a request with every field set, each field changed alone,
 * and the same request formatted differently. The personal values are distinctive, so a test can prove they
 * never appear in an answer or a log line.
 */

export const CONFLICT_PAYEE_NAME = 'Jeanne Conflictova';
export const CONFLICT_PAYEE_EMAIL = 'jeanne.conflictova@example.org';
export const CONFLICT_PAYEE_PHONE = '+33612345678';
export const OTHER_IBAN = 'DE89370400440532013000';

export interface OrderBody {
  orderId: string;
  amount: string;
  currency: string;
  communication: string;
  payee: { name: string; email?: string; phone?: string };
  beneficiary?: { name: string; iban: string; bic: string };
  delivery?: string;
  expiresInSeconds?: number;
  language?: string;
  country?: string;
}

/** Every field set (scenario 2), the values already in normal form. */
export function fullOrderBody(orderId: string): OrderBody {
  return {
    orderId,
    amount: '26.99',
    currency: 'EUR',
    communication: 'MyShop REFUND 123',
    payee: { name: CONFLICT_PAYEE_NAME, email: CONFLICT_PAYEE_EMAIL, phone: CONFLICT_PAYEE_PHONE },
    beneficiary: { name: CONFLICT_PAYEE_NAME, iban: TEST_IBAN, bic: TEST_BIC },
    delivery: 'link',
    expiresInSeconds: 3600,
    language: 'fr',
    country: 'FR',
  };
}

const withoutBeneficiary = (body: OrderBody): OrderBody => {
  const { beneficiary: _removed, ...rest } = body;
  return rest;
};

/**
 * [label, the path the 409 must name, the first request, the second request] — one field changed each.
 * `beneficiary` is named alone when it is added or removed.
 */
export const SINGLE_FIELD_CHANGES: [
  string,
  string,
  (b: OrderBody) => OrderBody,
  (b: OrderBody) => OrderBody,
][] = [
  ['amount', 'amount', (b) => b, (b) => ({ ...b, amount: '30.00' })],
  ['currency', 'currency', (b) => b, (b) => ({ ...b, currency: 'GBP' })],
  ['communication', 'communication', (b) => b, (b) => ({ ...b, communication: 'MyShop REFUND 124' })],
  ['payee name', 'payee.name', (b) => b, (b) => ({ ...b, payee: { ...b.payee, name: 'Jean Other' } })],
  [
    'payee e-mail',
    'payee.email',
    (b) => b,
    (b) => ({ ...b, payee: { ...b.payee, email: 'other.person@example.org' } }),
  ],
  [
    'payee e-mail removed',
    'payee.email',
    (b) => b,
    (b) => ({ ...b, payee: { name: b.payee.name, phone: b.payee.phone } }),
  ],
  ['payee phone', 'payee.phone', (b) => b, (b) => ({ ...b, payee: { ...b.payee, phone: '+33698765432' } })],
  ['beneficiary removed', 'beneficiary', (b) => b, withoutBeneficiary],
  ['beneficiary added', 'beneficiary', withoutBeneficiary, (b) => b],
  [
    'beneficiary name',
    'beneficiary.name',
    (b) => b,
    (b) => ({ ...b, beneficiary: { ...b.beneficiary!, name: 'Jean Other' } }),
  ],
  [
    'beneficiary IBAN',
    'beneficiary.iban',
    (b) => b,
    (b) => ({ ...b, beneficiary: { ...b.beneficiary!, iban: OTHER_IBAN } }),
  ],
  [
    'beneficiary BIC',
    'beneficiary.bic',
    (b) => b,
    (b) => ({ ...b, beneficiary: { ...b.beneficiary!, bic: 'BNPAFRPPXXX' } }),
  ],
  ['delivery', 'delivery', (b) => b, (b) => ({ ...b, delivery: 'email' })],
  ['expiry', 'expiresInSeconds', (b) => b, (b) => ({ ...b, expiresInSeconds: 7200 })],
  ['language', 'language', (b) => b, (b) => ({ ...b, language: 'en' })],
  ['country removed', 'country', (b) => b, ({ country: _removed, ...b }) => b],
];

/** Several fields changed at once, and the paths the 409 must name (in this order). */
export function severalFieldsChanged(body: OrderBody): { body: OrderBody; paths: string[] } {
  return {
    body: {
      ...body,
      amount: '30.00',
      payee: { ...body.payee, name: 'Jean Other', phone: '+33698765432' },
      beneficiary: { ...body.beneficiary!, iban: OTHER_IBAN },
      expiresInSeconds: 600,
      country: 'BE',
    },
    paths: ['amount', 'payee.name', 'payee.phone', 'beneficiary.iban', 'expiresInSeconds', 'country'],
  };
}

/** The same request as `fullOrderBody` once normalised: spaced lower-case IBAN, lower-case BIC, padding, defaults. */
export function reformattedOrderBody(body: OrderBody): OrderBody {
  const { delivery: _default, ...rest } = body;
  return {
    ...rest,
    communication: `  ${body.communication}\t`,
    payee: { ...body.payee, name: ` ${body.payee.name}  ` },
    beneficiary: {
      name: `${body.beneficiary!.name} `,
      iban: body.beneficiary!.iban.toLowerCase().replace(/(.{4})/g, '$1 '),
      bic: ` ${body.beneficiary!.bic.toLowerCase()}`,
    },
    language: body.language?.toUpperCase(),
    country: body.country?.toLowerCase(),
  };
}

import { parsePayoutRequest, type PayoutRequestInput } from '../../domain/payout-request';

/** The IBAN and BIC rules as the order API sees them: a refusal names the field (the ingress answers 400). */

const order = (beneficiary: { iban: string; bic: string }): PayoutRequestInput => ({
  orderId: 'bank-details-1',
  amount: '26.99',
  currency: 'EUR',
  communication: 'MyShop REFUND from Order 1',
  payee: { name: 'John Doe', email: 'john@doe.example' },
  beneficiary: { name: 'John Doe', ...beneficiary },
});

it('accepts the sandbox test IBAN and BIC, normalised', () => {
  const result = parsePayoutRequest(
    order({ iban: 'fr14 2004 1010 0505 0001 3m02 606', bic: 'psst fr pp xxx' }),
  );
  expect(result.ok && result.request.beneficiary).toEqual({
    name: 'John Doe',
    iban: 'FR1420041010050500013M02606',
    bic: 'PSSTFRPPXXX',
  });
});

it('refuses a French IBAN of the wrong length though its mod-97 is valid, naming beneficiary.iban', () => {
  const result = parsePayoutRequest(order({ iban: 'FR352004101005050001302606', bic: 'PSSTFRPPXXX' }));
  expect(result).toEqual({
    ok: false,
    issues: [{ path: 'beneficiary.iban', message: expect.stringContaining('IBAN') }],
  });
});

it('refuses a BIC whose country code is not a country, naming beneficiary.bic', () => {
  const result = parsePayoutRequest(order({ iban: 'FR1420041010050500013M02606', bic: 'BNPAQQPP' }));
  expect(result).toEqual({
    ok: false,
    issues: [{ path: 'beneficiary.bic', message: expect.stringContaining('BIC') }],
  });
});

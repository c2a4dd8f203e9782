import { parsePayoutRequest, payoutScenarioOf, type PayoutRequestInput } from '../../domain/payout-request';
import { payoutStateFor } from '../../domain/identifiers';

const scenario1: PayoutRequestInput = {
  orderId: '123',
  amount: '26.99',
  currency: 'EUR',
  communication: 'MyShop REFUND from Order 123',
  payee: { name: 'John Doe', email: 'john@doe.example', phone: '+33601020304' },
  delivery: 'link',
};

const scenario2: PayoutRequestInput = {
  ...scenario1,
  beneficiary: { name: 'John Doe', iban: 'fr14 2004 1010 0505 0001 3m02 606', bic: 'psstfrppxxx' },
};

function issuesOf(input: unknown) {
  const result = parsePayoutRequest(input);
  if (result.ok) throw new Error('expected the request to be refused');
  return result.issues;
}

describe('the payout request schema', () => {
  it('accepts scenario 1 and applies the defaults', () => {
    const result = parsePayoutRequest({ ...scenario1, delivery: undefined });
    expect(result).toEqual({
      ok: true,
      request: expect.objectContaining({ delivery: 'link', expiresInSeconds: 7 * 24 * 3600 }),
    });
    expect(result.ok && payoutScenarioOf(result.request)).toBe(1);
  });

  it('accepts scenario 2 and normalises the bank details', () => {
    const result = parsePayoutRequest({ ...scenario2, language: 'FR', country: 'fr' });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.request.beneficiary).toEqual({
      name: 'John Doe',
      iban: 'FR1420041010050500013M02606',
      bic: 'PSSTFRPPXXX',
    });
    expect(result.request.language).toBe('fr');
    expect(result.request.country).toBe('FR');
    expect(payoutScenarioOf(result.request)).toBe(2);
  });

  it.each([
    ['amount', { amount: '0' }],
    ['amount', { amount: '0.00' }],
    ['amount', { amount: '-1' }],
    ['amount', { amount: '1.234' }],
    ['amount', { amount: '26,99' }],
    ['amount', { amount: 26.99 }],
    ['currency', { currency: 'USD' }],
    ['communication', { communication: 'x'.repeat(141) }],
    ['communication', { communication: '   ' }],
    ['communication', { communication: 'line\nbreak' }],
    ['orderId', { orderId: 'has space' }],
    ['orderId', { orderId: 'a/b' }],
    ['orderId', { orderId: '' }],
    ['payee.email', { payee: { name: 'John Doe', email: 'not-an-email' } }],
    ['payee.phone', { payee: { name: 'John Doe', phone: '0601020304' } }],
    ['payee.email', { delivery: 'email', payee: { name: 'John Doe' } }],
    ['payee.phone', { delivery: 'sms', payee: { name: 'John Doe', email: 'john@doe.example' } }],
    ['delivery', { delivery: 'pigeon' }],
    ['expiresInSeconds', { expiresInSeconds: 10 }],
    ['expiresInSeconds', { expiresInSeconds: 1.5 }],
    ['language', { language: 'fra' }],
  ])('names %s when it is wrong (%j)', (path, change) => {
    expect(issuesOf({ ...scenario1, ...change }).map((i) => i.path)).toContain(path);
  });

  it('names bad bank details of a verified beneficiary', () => {
    const issues = issuesOf({
      ...scenario2,
      beneficiary: { name: '', iban: 'FR1520041010050500013M02606', bic: 'XX' },
    });
    expect(issues.map((i) => i.path).sort()).toEqual([
      'beneficiary.bic',
      'beneficiary.iban',
      'beneficiary.name',
    ]);
  });

  it('refuses unknown fields: a misspelt beneficiary must not silently become scenario 1', () => {
    const { beneficiary, ...rest } = scenario2;
    expect(issuesOf({ ...rest, benificiary: beneficiary })).toEqual([
      expect.objectContaining({ message: expect.stringContaining('benificiary') }),
    ]);
  });

  it('does not need the email or phone when the beneficiary is verified (scenario 2)', () => {
    expect(parsePayoutRequest({ ...scenario2, delivery: 'sms', payee: { name: 'John Doe' } }).ok).toBe(true);
  });

  it('lists every problem at once, and never repeats a value (it may be personal data)', () => {
    const issues = issuesOf({
      ...scenario2,
      amount: 'abc',
      payee: { name: 'John Doe', email: 'secret-person@@example' },
      beneficiary: { name: 'Jane', iban: 'FR0000000000000000000000000', bic: 'PSSTFRPPXXX' },
    });
    expect(issues.map((i) => i.path).sort()).toEqual(['amount', 'beneficiary.iban', 'payee.email']);
    const text = JSON.stringify(issues);
    expect(text).not.toContain('secret-person');
    expect(text).not.toContain('FR0000000000000000000000000');
  });

  it('derives the state from the order ID', () => {
    expect(payoutStateFor('A-1')).toBe('payout-A-1');
  });
});

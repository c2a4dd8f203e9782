import { isValidBic, isValidIban, normalizeBic, normalizeIban } from '../../domain/bank-details';

describe('IBAN check', () => {
  it.each([
    'FR1420041010050500013M02606',
    'FR76 3000 6000 0112 3456 7890 189',
    'DE89370400440532013000',
    'GB82WEST12345698765432',
    'be68 5390 0754 7034',
  ])('accepts the valid IBAN %s (spaces and case ignored)', (iban) => {
    expect(isValidIban(iban)).toBe(true);
  });

  it.each([
    ['a wrong check digit', 'FR1520041010050500013M02606'],
    ['a swapped pair of digits', 'DE89370400440532031000'],
    ['a country code that is not letters', '1289370400440532013000'],
    ['too short', 'FR14200410'],
    ['a character outside A-Z0-9', 'FR14-20041010050500013M02606'],
    ['an empty string', ''],
  ])('rejects %s', (_what, iban) => {
    expect(isValidIban(iban)).toBe(false);
  });

  it('normalises to upper case without spaces', () => {
    expect(normalizeIban(' fr76 3000 6000 0112 3456 7890 189 ')).toBe('FR7630006000011234567890189');
  });
});

describe('BIC check', () => {
  it.each(['PSSTFRPPXXX', 'BNPAFRPP', 'deutdeff500', 'NWBK GB 2L'])('accepts %s', (bic) => {
    expect(isValidBic(bic)).toBe(true);
  });

  it.each(['BNPAFR', 'BNPAFRPPXX', '1234FRPP', 'BNPA12PP', 'BNPAFRPP-XX'])('rejects %s', (bic) => {
    expect(isValidBic(bic)).toBe(false);
  });

  it('normalises to upper case without spaces', () => {
    expect(normalizeBic('psst fr pp xxx')).toBe('PSSTFRPPXXX');
  });
});

import { isValidBic, isValidIban, normalizeBic, normalizeIban } from '../../domain/bank-details';

describe('IBAN check', () => {
  it.each([
    'FR1420041010050500013M02606',
    'FR76 3000 6000 0112 3456 7890 189',
    'DE89370400440532013000',
    'GB82WEST12345698765432',
    'be68 5390 0754 7034',
    'NL91ABNA0417164300',
    'IT60X0542811101000000123456',
    'ES9121000418450200051332',
    'CH9300762011623852957',
    'PL61109010140000071219812874',
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
    ['a country that has no IBAN', 'US64SVBKUS6S3300958879'],
  ])('rejects %s', (_what, iban) => {
    expect(isValidIban(iban)).toBe(false);
  });

  it('accepts the sandbox test IBAN', () => {
    expect(isValidIban('FR1420041010050500013M02606')).toBe(true);
  });

  // Each has check digits that pass mod-97: only the country's IBAN length (27 for FR) refuses them.
  it.each([
    ['one character short', 'FR352004101005050001302606'],
    ['one character long', 'FR17200410100505000130260612'],
  ])('rejects a French IBAN %s, though its mod-97 is valid', (_what, iban) => {
    expect(mod97(iban.slice(4) + iban.slice(0, 4))).toBe(1);
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

  it.each(['BNPAFR', 'BNPAFRPPXX', '1234FRPP', 'BNPA12PP', 'BNPAFRPP-XX', 'BNPAQQPP'])(
    'rejects %s',
    (bic) => {
      expect(isValidBic(bic)).toBe(false);
    },
  );

  it('normalises to upper case without spaces', () => {
    expect(normalizeBic('psst fr pp xxx')).toBe('PSSTFRPPXXX');
  });
});

/** ISO 7064 mod 97-10 over digits and letters (A = 10 … Z = 35), computed independently of the code under test. */
function mod97(text: string): number {
  const digits = [...text]
    .map((char) => (/[A-Z]/.test(char) ? String(char.charCodeAt(0) - 55) : char))
    .join('');
  return Number(BigInt(digits) % 97n);
}

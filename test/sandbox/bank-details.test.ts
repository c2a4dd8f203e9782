import { bicProblem, ibanProblem, normalizeIban } from '../../sandbox/bank-details';

/** Registry examples (SWIFT IBAN registry and banks' published samples), one per country. */
const VALID_IBANS = [
  'FR1420041010050500013M02606',
  'FR7630006000011234567890189',
  'DE89370400440532013000',
  'GB82WEST12345698765432',
  'NL91ABNA0417164300',
  'BE68539007547034',
  'ES9121000418450200051332',
  'IT60X0542811101000000123456',
  'AT611904300234573201',
  'CH9300762011623852957',
  'IE29AIBK93115212345678',
  'LU280019400644750000',
  'NO9386011117947',
  'PL61109010140000071219812874',
  'PT50000201231234567890154',
  'SE4550000000058398257466',
  'MT84MALT011000012345MTLCAST001S',
];

/** Check digits computed here with BigInt, independently of the module's piecewise arithmetic. */
function withCheckDigits(country: string, bban: string): string {
  const numeric = [...`${bban}${country}00`].map((char) => parseInt(char, 36).toString()).join('');
  const check = 98n - (BigInt(numeric) % 97n);
  return `${country}${check.toString().padStart(2, '0')}${bban}`;
}

describe('normalizeIban', () => {
  it('removes spaces and upper-cases', () => {
    expect(normalizeIban(' fr76 3000 6000 0112 3456 7890 189 ')).toBe('FR7630006000011234567890189');
  });
});

describe('ibanProblem', () => {
  it.each(VALID_IBANS)('accepts %s', (iban) => {
    expect(ibanProblem(iban)).toBeNull();
  });

  it('accepts an IBAN typed in groups, in lower case', () => {
    expect(ibanProblem('fr14 2004 1010 0505 0001 3m02 606')).toBeNull();
  });

  it('accepts IBANs whose check digits were computed independently', () => {
    for (const [country, bban] of [
      ['FR', '20041010050500013M02606'],
      ['DE', '370400440532013999'],
      ['NL', 'INGB0001234567'],
      ['FI', '12345600000785'],
    ] as const) {
      expect(ibanProblem(withCheckDigits(country, bban))).toBeNull();
    }
  });

  it('rejects any single changed character of a valid IBAN with a checksum message', () => {
    const iban = 'FR1420041010050500013M02606';
    for (let position = 2; position < iban.length; position++) {
      const original = iban[position] ?? '';
      const replacement = /[0-9]/.test(original) ? String((Number(original) + 3) % 10) : 'Q';
      const changed = iban.slice(0, position) + replacement + iban.slice(position + 1);
      expect(ibanProblem(changed)).toBe('IBAN checksum is wrong');
    }
  });

  it('rejects swapped neighbouring digits', () => {
    expect(ibanProblem('DE89370400440532013000'.replace('0532', '5032'))).toBe('IBAN checksum is wrong');
  });

  it('rejects a wrong length for the country', () => {
    expect(ibanProblem('FR142004101005050013M02606')).toBe('IBAN for FR must be 27 characters (got 26)');
    expect(ibanProblem('DE893704004405320130001')).toBe('IBAN for DE must be 22 characters (got 23)');
  });

  it('rejects an unknown country code', () => {
    expect(ibanProblem('XX1420041010050500013M02606')).toBe('IBAN country code XX is not known');
    expect(ibanProblem('US12345678901234567890')).toBe('IBAN country code US is not known');
  });

  it('rejects junk', () => {
    expect(ibanProblem('')).toBe('IBAN is required');
    expect(ibanProblem('   ')).toBe('IBAN is required');
    expect(ibanProblem('FR14-2004-1010')).toBe('IBAN may only contain letters and digits');
    expect(ibanProblem('<script>')).toBe('IBAN may only contain letters and digits');
    expect(ibanProblem('hello world')).toBe('IBAN must start with a country code and two check digits');
    expect(ibanProblem('1420041010050500013M02606')).toBe(
      'IBAN must start with a country code and two check digits',
    );
  });
});

describe('bicProblem', () => {
  it.each(['BNPAFRPP', 'BNPAFRPPXXX', 'DEUTDEFF', 'DEUTDEFF500', 'ABNANL2A', 'bnpa fr pp'])(
    'accepts %s',
    (bic) => {
      expect(bicProblem(bic)).toBeNull();
    },
  );

  it.each([
    ['', 'BIC is required'],
    ['BNPAFRP', 'BIC must be 8 or 11 characters (got 7)'],
    ['BNPAFRPPXX', 'BIC must be 8 or 11 characters (got 10)'],
    ['BNPAFRPPXXXX', 'BIC must be 8 or 11 characters (got 12)'],
    ['1NPAFRPP', 'BIC must start with a 4-letter bank code'],
    ['BNPA12PP', 'BIC must have a 2-letter country code after the bank code'],
    ['BNPAFR_P', 'BIC location code must be 2 letters or digits'],
    ['BNPAFRPPXX!', 'BIC branch code must be 3 letters or digits'],
  ])('rejects %j: %s', (bic, message) => {
    expect(bicProblem(bic)).toBe(message);
  });
});

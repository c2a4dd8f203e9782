/**
 * Checks of the bank details a payee types on the payee page (and the control API posts): IBAN per
 * ISO 13616 (country, length from the SWIFT IBAN registry, mod-97 check digits) and BIC per ISO 9362.
 * Messages are short and meant to be shown next to the field.
 */

/** IBAN length per country (SWIFT IBAN registry). Covers every SEPA country and the other registered ones. */
// prettier-ignore
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  // SEPA
  AD: 24, AL: 28, AT: 20, BE: 16, BG: 22, CH: 21, CY: 28, CZ: 24, DE: 22, DK: 18, EE: 20, ES: 24,
  FI: 18, FR: 27, GB: 22, GI: 23, GR: 27, HR: 21, HU: 28, IE: 22, IS: 26, IT: 27, LI: 21, LT: 20,
  LU: 20, LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MT: 31, NL: 18, NO: 15, PL: 28, PT: 25, RO: 24,
  RS: 22, SE: 24, SI: 19, SK: 24, SM: 27, VA: 22,
  // Other IBAN countries
  AE: 23, AZ: 28, BA: 20, BH: 22, BR: 29, BY: 28, CR: 22, DO: 28, EG: 29, FO: 18, GE: 22, GL: 18,
  GT: 28, IL: 23, IQ: 23, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, MR: 27, MU: 30, PK: 24, PS: 29,
  QA: 29, SA: 24, SC: 31, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VG: 24, XK: 20,
};

/** Without any whitespace (people paste IBANs in groups of four), upper-case. */
export function normalizeIban(raw: string): string {
  return raw.replace(/\s+/g, '').toUpperCase();
}

/** Null when the IBAN is valid, otherwise a short message saying what is wrong. */
export function ibanProblem(raw: string): string | null {
  const iban = normalizeIban(raw);
  if (iban === '') return 'IBAN is required';
  if (!/^[A-Z0-9]+$/.test(iban)) return 'IBAN may only contain letters and digits';
  if (!/^[A-Z]{2}[0-9]{2}/.test(iban)) return 'IBAN must start with a country code and two check digits';

  const country = iban.slice(0, 2);
  const expectedLength = IBAN_LENGTHS[country];
  if (expectedLength === undefined) return `IBAN country code ${country} is not known`;
  if (iban.length !== expectedLength) {
    return `IBAN for ${country} must be ${expectedLength} characters (got ${iban.length})`;
  }
  if (ibanMod97(iban) !== 1) return 'IBAN checksum is wrong';
  return null;
}

/** ISO 7064 mod 97-10 over the rearranged IBAN, letters as 10…35; computed piecewise to stay in range. */
function ibanMod97(iban: string): number {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const value = parseInt(char, 36); // '0'…'9' → 0…9, 'A'…'Z' → 10…35
    remainder = (remainder * (value < 10 ? 10 : 100) + value) % 97;
  }
  return remainder;
}

/** Without any whitespace, upper-case. */
export function normalizeBic(raw: string): string {
  return raw.replace(/\s+/g, '').toUpperCase();
}

/** Null when the BIC is well formed (ISO 9362: bank, country, location, optional branch). */
export function bicProblem(raw: string): string | null {
  const bic = normalizeBic(raw);
  if (bic === '') return 'BIC is required';
  if (bic.length !== 8 && bic.length !== 11) return `BIC must be 8 or 11 characters (got ${bic.length})`;
  if (!/^[A-Z]{4}/.test(bic)) return 'BIC must start with a 4-letter bank code';
  if (!/^[A-Z]{2}$/.test(bic.slice(4, 6))) return 'BIC must have a 2-letter country code after the bank code';
  if (!/^[A-Z0-9]{2}$/.test(bic.slice(6, 8))) return 'BIC location code must be 2 letters or digits';
  if (!/^([A-Z0-9]{3})?$/.test(bic.slice(8))) return 'BIC branch code must be 3 letters or digits';
  return null;
}

import { isValidBIC, isValidIBAN } from 'ibantools';

/**
 * Bank-detail checks for a verified beneficiary (scenario 2). Pure: the workflow and the ingress both use
 * them, so a typo in an IBAN is a 400 at the edge rather than a rejected transfer days later. The rules
 * themselves are ibantools' (pure, no I/O): each country's IBAN length and BBAN format, national check
 * digits where the country has them, the mod-97 check; a BIC's shape and a known country code.
 */

/** Removes the spaces people type or copy (`FR76 3000 …`) and upper-cases. */
export function normalizeIban(raw: string): string {
  return raw.replace(/\s+/g, '').toUpperCase();
}

/** ISO 13616, by country: `FR…` must be 27 characters in the French BBAN format, whatever its mod-97. */
export function isValidIban(raw: string): boolean {
  return isValidIBAN(normalizeIban(raw));
}

export function normalizeBic(raw: string): string {
  return raw.replace(/\s+/g, '').toUpperCase();
}

/** ISO 9362: 4 letters, a known country code, 2 alphanumerics for the location, optionally 3 for the branch. */
export function isValidBic(raw: string): boolean {
  return isValidBIC(normalizeBic(raw));
}

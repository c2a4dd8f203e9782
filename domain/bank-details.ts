/**
 * Bank-detail checks for a verified beneficiary (scenario 2). Pure: the workflow and the ingress both use
 * them, so a typo in an IBAN is a 400 at the edge rather than a rejected transfer days later.
 */

const IBAN_SHAPE = /^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/;
// ISO 9362: 4 letters (institution), 2 letters (country), 2 alphanumerics (location), optional 3 (branch).
const BIC_SHAPE = /^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?$/;

/** Removes the spaces people type or copy (`FR76 3000 …`) and upper-cases. */
export function normalizeIban(raw: string): string {
  return raw.replace(/\s+/g, '').toUpperCase();
}

/** ISO 13616: shape, then the mod-97 check over the rearranged digits must leave 1. */
export function isValidIban(raw: string): boolean {
  const iban = normalizeIban(raw);
  if (!IBAN_SHAPE.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  // Letters become two digits (A = 10 … Z = 35); the number is too long for a double, so reduce as we go.
  let remainder = 0;
  for (const char of rearranged) {
    const value = char >= 'A' && char <= 'Z' ? char.charCodeAt(0) - 55 : Number(char);
    remainder = value >= 10 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder === 1;
}

export function normalizeBic(raw: string): string {
  return raw.replace(/\s+/g, '').toUpperCase();
}

export function isValidBic(raw: string): boolean {
  return BIC_SHAPE.test(normalizeBic(raw));
}

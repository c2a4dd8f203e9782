/**
 * Decimal money strings compared without floats: `"273"`, `"273.0"` and `"273.00"` are the same amount.
 */

const DECIMAL = /^(\d+)(?:\.(\d{1,2}))?$/;

/** Amount in minor units (cents), or `null` if the string is not a decimal with at most two places. */
export function toMinorUnits(amount: string): bigint | null {
  const match = DECIMAL.exec(amount.trim());
  if (!match) return null;
  const [, units = '0', fraction = ''] = match;
  return BigInt(units) * 100n + BigInt(fraction.padEnd(2, '0'));
}

export function sameAmount(a: string, b: string): boolean {
  const left = toMinorUnits(a);
  return left !== null && left === toMinorUnits(b);
}

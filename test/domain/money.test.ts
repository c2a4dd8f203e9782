import { sameAmount, toMinorUnits } from '../../domain/money';

describe('money amounts as decimal strings', () => {
  it('converts to minor units without floating point', () => {
    expect(toMinorUnits('26.99')).toBe(2699n);
    expect(toMinorUnits('273')).toBe(27300n);
    expect(toMinorUnits('0.1')).toBe(10n);
    expect(toMinorUnits('999999999.99')).toBe(99999999999n);
  });

  it('refuses what is not a decimal with at most two places', () => {
    expect(toMinorUnits('1.234')).toBeNull();
    expect(toMinorUnits('26,99')).toBeNull();
    expect(toMinorUnits('-1')).toBeNull();
    expect(toMinorUnits('')).toBeNull();
  });

  it('compares amounts written differently', () => {
    expect(sameAmount('273', '273.00')).toBe(true);
    expect(sameAmount('26.9', '26.90')).toBe(true);
    expect(sameAmount('26.99', '26.90')).toBe(false);
    expect(sameAmount('abc', 'abc')).toBe(false);
  });
});

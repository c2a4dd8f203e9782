import { splitE164 } from '../../domain/phone-number';

describe('splitting an E.164 number into Fintecture prefix and national number', () => {
  it.each([
    ['+33601020304', '+33', '601020304'],
    ['+14155550100', '+1', '4155550100'],
    ['+79161234567', '+7', '9161234567'],
    ['+447911123456', '+44', '7911123456'],
    ['+352621123456', '+352', '621123456'],
    ['+3584012345678', '+358', '4012345678'],
  ])('%s → %s %s', (phone, prefix, national) => {
    expect(splitE164(phone)).toEqual({ prefix, national });
  });

  it.each(['0601020304', '+33 6 01 02 03 04', '+0601020304', '+33', ''])('refuses %j', (phone) => {
    expect(splitE164(phone)).toBeNull();
  });
});

/**
 * Splits an E.164 number into the prefix and national part that Fintecture's `sms` delivery wants
 * (`psu_phone_prefix: "+33"`, `psu_phone: "601020304"`).
 *
 * Country calling codes form a prefix-free set: `1` and `7` are the only one-digit codes, the two-digit
 * codes are listed below, and every other code has three digits. So the split needs no full table.
 */
const TWO_DIGIT_CODES =
  '20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98';
const TWO_DIGIT_CALLING_CODES = new Set(TWO_DIGIT_CODES.split(' '));

export const E164_PATTERN = /^\+[1-9][0-9]{6,14}$/;

export interface SplitPhoneNumber {
  /** `+` and the country calling code, e.g. `+33`. */
  prefix: string;
  /** The rest of the number, without the trunk `0`, e.g. `601020304`. */
  national: string;
}

/** Returns `null` for anything that is not an E.164 number. */
export function splitE164(phone: string): SplitPhoneNumber | null {
  if (!E164_PATTERN.test(phone)) return null;
  const digits = phone.slice(1);
  const codeLength =
    digits[0] === '1' || digits[0] === '7' ? 1 : TWO_DIGIT_CALLING_CODES.has(digits.slice(0, 2)) ? 2 : 3;
  return { prefix: `+${digits.slice(0, codeLength)}`, national: digits.slice(codeLength) };
}

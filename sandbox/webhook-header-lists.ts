import { z } from 'zod';
import type { Profile } from './profile';

/**
 * Which headers a webhook's `Signature` covers (its `headers="…"` list, fintecture-api.md §7). The docs say
 * the list may change and the signing string follows it; the official JS SDK also handles
 * `(request-target)`, and its own test signs only `date digest`. So the documented profile rotates through
 * these, and a receiver that hard-codes one list fails against it.
 */
export const SIGNABLE_HEADERS = ['(request-target)', 'date', 'digest', 'x-request-id'] as const;
export type SignableHeader = (typeof SIGNABLE_HEADERS)[number];
export type SignedHeaderList = readonly SignableHeader[];

/** The guide's example list, and the only one the friendly profile sends. */
export const GUIDE_HEADER_LIST: SignedHeaderList = ['date', 'digest', 'x-request-id'];

/** Documented profile, delivery n uses entry n mod 3. */
export const ROTATING_HEADER_LISTS: readonly SignedHeaderList[] = [
  GUIDE_HEADER_LIST,
  ['(request-target)', 'date', 'digest', 'x-request-id'],
  ['date', 'digest'], // X-Request-ID is still sent, just not signed
];

/** The setting's value that means "the profile's own choice". */
export const ROTATE = 'rotate';

export class SignedHeaderListError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignedHeaderListError';
  }
}

/**
 * Parses an explicit list such as `"(request-target) date digest"`: known names, each once, in any order.
 * A list without `date` or `digest` is allowed on purpose: tests use it to check that a receiver refuses it.
 */
export function parseSignedHeaderList(value: string): SignedHeaderList {
  const names = value.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (names.length === 0) throw new SignedHeaderListError('the list is empty');
  for (const name of names) {
    if (!(SIGNABLE_HEADERS as readonly string[]).includes(name)) {
      throw new SignedHeaderListError(`unknown header "${name}" (known: ${SIGNABLE_HEADERS.join(', ')})`);
    }
  }
  if (new Set(names).size !== names.length) throw new SignedHeaderListError('a header is listed twice');
  return names as SignableHeader[];
}

/** `"rotate"` or an explicit space-separated list (kept as text, so the config stays plain JSON). */
export const signedHeadersSettingSchema = z.string().superRefine((value, context) => {
  if (value === ROTATE) return;
  try {
    parseSignedHeaderList(value);
  } catch (error) {
    if (!(error instanceof SignedHeaderListError)) throw error;
    context.addIssue({ code: 'custom', message: `"${ROTATE}" or a header list: ${error.message}` });
  }
});

/** The lists deliveries cycle through: a forced list applies in both profiles, `rotate` follows the profile. */
export function headerListsFor(setting: string, profile: Profile): readonly SignedHeaderList[] {
  if (setting !== ROTATE) return [parseSignedHeaderList(setting)];
  return profile === 'documented' ? ROTATING_HEADER_LISTS : [GUIDE_HEADER_LIST];
}

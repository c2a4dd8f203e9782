import { z } from 'zod';
import { isValidBic, isValidIban, normalizeBic, normalizeIban } from './bank-details';
import { E164_PATTERN } from './phone-number';
import { ORDER_ID_PATTERN } from './identifiers';
import { type PayoutScenario } from './session-states';

/**
 * The order system's payout request (DESIGN.md §4), camelCase. Parsed at the ingress (400 listing every bad
 * field) and again by the create activity, which must not trust its input blindly.
 * Messages never repeat the offending value: it may be personal data.
 */

/** A decimal string > 0 with at most two decimals: money never goes through a float. */
export const AMOUNT_PATTERN = /^(?:0|[1-9][0-9]{0,8})(?:\.[0-9]{1,2})?$/;
export const CURRENCIES = ['EUR', 'GBP'] as const;
export const DELIVERY_METHODS = ['link', 'email', 'sms'] as const;
export const DEFAULT_LINK_EXPIRY_SECONDS = 7 * 24 * 3600;
export const MAX_LINK_EXPIRY_SECONDS = 30 * 24 * 3600;
/** SEPA's remittance-information limit, which Fintecture's `communication` is sent as. */
export const SEPA_COMMUNICATION_LENGTH = 140;
/**
 * Room kept at the end of every `communication` for the order's payout reference (` PO-` + 12 characters):
 * the only field Fintecture is documented to echo on every read, so the one that finds our session again
 * (fintecture-api.md §5, §10).
 */
export const PAYOUT_REFERENCE_ROOM = 16;
export const MAX_COMMUNICATION_LENGTH = SEPA_COMMUNICATION_LENGTH - PAYOUT_REFERENCE_ROOM;

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

const text = (max: number, tooLong = `must be at most ${max} characters`) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, tooLong)
    .refine((value) => !CONTROL_CHARACTERS.test(value), 'must not contain control characters');

const PayeeSchema = z.strictObject({
  name: text(140),
  email: z.email('must be an email address').max(254).optional(),
  phone: z.string().regex(E164_PATTERN, 'must be an E.164 number, e.g. +33601020304').optional(),
});

const BeneficiarySchema = z.strictObject({
  name: text(140),
  iban: z
    .string()
    .transform(normalizeIban)
    .refine(isValidIban, 'must be a valid IBAN (format and check digits)'),
  bic: z.string().transform(normalizeBic).refine(isValidBic, 'must be a valid BIC (8 or 11 characters)'),
});

export const PayoutRequestSchema = z
  // Strict: a misspelt `beneficiary` must be an error, not a silent switch to scenario 1.
  .strictObject({
    orderId: z
      .string()
      .regex(
        ORDER_ID_PATTERN,
        "must be 1-100 characters: letters, digits and ._~:@!$'()*+,;=&- (no spaces or /)",
      ),
    amount: z
      .string()
      .regex(AMOUNT_PATTERN, 'must be a decimal string with at most 2 decimals, e.g. "26.99"')
      .refine((value) => !AMOUNT_PATTERN.test(value) || /[1-9]/.test(value), 'must be greater than 0'),
    currency: z.enum(CURRENCIES),
    communication: text(
      MAX_COMMUNICATION_LENGTH,
      `must be at most ${MAX_COMMUNICATION_LENGTH} characters: ${PAYOUT_REFERENCE_ROOM} of SEPA's ${SEPA_COMMUNICATION_LENGTH} are kept for the payout reference`,
    ),
    payee: PayeeSchema,
    beneficiary: BeneficiarySchema.optional(),
    delivery: z.enum(DELIVERY_METHODS).default('link'),
    expiresInSeconds: z
      .number()
      .int('must be a whole number of seconds')
      .min(60, 'must be at least 60')
      .max(MAX_LINK_EXPIRY_SECONDS, `must be at most ${MAX_LINK_EXPIRY_SECONDS}`)
      .default(DEFAULT_LINK_EXPIRY_SECONDS),
    language: z
      .string()
      .regex(/^[A-Za-z]{2}$/, 'must be a 2-letter language code')
      .transform((value) => value.toLowerCase())
      .optional(),
    country: z
      .string()
      .regex(/^[A-Za-z]{2}$/, 'must be a 2-letter country code')
      .transform((value) => value.toUpperCase())
      .optional(),
  })
  .superRefine((request, context) => {
    // The delivery channel only matters when the payee has to act (scenario 1).
    if (request.beneficiary) return;
    if (request.delivery === 'email' && !request.payee.email) {
      context.addIssue({
        code: 'custom',
        path: ['payee', 'email'],
        message: 'is required when delivery is "email"',
      });
    }
    if (request.delivery === 'sms' && !request.payee.phone) {
      context.addIssue({
        code: 'custom',
        path: ['payee', 'phone'],
        message: 'is required when delivery is "sms"',
      });
    }
  });

/** What callers send (defaults may be omitted). */
export type PayoutRequestInput = z.input<typeof PayoutRequestSchema>;
/** What the rest of the code works with (defaults applied, bank details normalised). */
export type PayoutRequest = z.output<typeof PayoutRequestSchema>;

export interface FieldIssue {
  /** Dotted path, e.g. `beneficiary.iban`; `''` for the whole request. */
  path: string;
  message: string;
}

export type PayoutRequestParseResult =
  { ok: true; request: PayoutRequest } | { ok: false; issues: FieldIssue[] };

export function parsePayoutRequest(input: unknown): PayoutRequestParseResult {
  const result = PayoutRequestSchema.safeParse(input);
  if (result.success) return { ok: true, request: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.message,
    })),
  };
}

export function payoutScenarioOf(request: Pick<PayoutRequest, 'beneficiary'>): PayoutScenario {
  return request.beneficiary ? 2 : 1;
}

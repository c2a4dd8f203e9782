import { z } from 'zod';

/**
 * Zod schemas for what Fintecture sends back. Loose objects: unknown fields are kept out of our types but
 * never fail a parse. Tolerant of the documented variations (fintecture-api.md §4, §5): `scheme` or
 * `payment_scheme`, 200 or 201, `data` present or not, amounts as strings or numbers, the scenario-1 create
 * answer without `status`. Statuses are read as text: status lists grow (§9), and an unknown value must
 * never make a response unreadable — it is classified afterwards (`statuses.ts`).
 */

const text = z.string();
const optionalText = z.string().nullish();
// "273" and 273 both appear in the wild; money stays a string on our side.
const amount = z.union([z.string(), z.number().transform(String)]).nullish();

export const TokenResponseSchema = z.looseObject({
  token_type: z.string().refine((value) => value.toLowerCase() === 'bearer', 'must be Bearer'),
  access_token: z.string().min(1),
  expires_in: z.coerce.number().int().positive(),
});
export type TokenResponse = z.output<typeof TokenResponseSchema>;

export const ErrorBodySchema = z.looseObject({
  status: z.union([z.number(), z.string()]).optional(),
  code: z.string().optional(),
  log_id: z.string().optional(),
  errors: z
    .array(
      z.looseObject({
        code: z.string().optional(),
        title: z.string().optional(),
        message: z.string().optional(),
        field: z.string().optional(),
      }),
    )
    .optional(),
});
export type ErrorBody = z.output<typeof ErrorBodySchema>;

/** A status as sent; anything that is not a short text counts as absent rather than failing the read. */
const statusText = z.string().nullish().catch(null);

export const PaymentAttributesSchema = z.looseObject({
  amount,
  currency: optionalText,
  communication: optionalText,
  end_to_end_id: optionalText,
  execution_date: optionalText,
  scheme: optionalText,
  payment_scheme: optionalText,
  transfer_state: statusText,
  transfer_reason: optionalText,
  // Not documented on reads; matched when present (reconciliation).
  state: optionalText,
});
export type PaymentAttributes = z.output<typeof PaymentAttributesSchema>;

const SessionMetaSchema = z.looseObject({
  session_id: text.min(1).optional(),
  status: statusText,
  type: optionalText,
  url: optionalText,
  method: optionalText,
  customer_id: optionalText,
  state: optionalText,
});

const PaymentDataSchema = z.looseObject({
  id: optionalText,
  type: optionalText,
  attributes: PaymentAttributesSchema.nullish(),
});

/** `POST /pis/v2/request-for-payout` → 2xx (§4). */
export const CreatePayoutResponseSchema = z.looseObject({
  meta: SessionMetaSchema.extend({ session_id: text.min(1) }),
  data: PaymentDataSchema.nullish(),
});
export type CreatePayoutResponse = z.output<typeof CreatePayoutResponseSchema>;

/** `GET /pis/v2/payments/{id}` → 200 (§5). The session ID is `meta.session_id`, else `data.id`. */
export const PaymentResponseSchema = z
  .looseObject({ meta: SessionMetaSchema, data: PaymentDataSchema.nullish() })
  .refine((body) => Boolean(body.meta.session_id ?? body.data?.id), 'has no session id');
export type PaymentResponse = z.output<typeof PaymentResponseSchema>;

/** One entry of `GET /pis/v2/payments`: `{id, attributes, meta: {session_id, status}}`. */
export const PaymentListItemSchema = z
  .looseObject({
    id: optionalText,
    type: optionalText,
    attributes: PaymentAttributesSchema.nullish(),
    meta: SessionMetaSchema.nullish(),
  })
  .refine((item) => Boolean(item.meta?.session_id ?? item.id), 'has no session id');
export type PaymentListItem = z.output<typeof PaymentListItemSchema>;

/**
 * `GET /pis/v2/payments` (undocumented answer, §5): only the envelope is checked here. Each entry is parsed
 * on its own with `PaymentListItemSchema`, so one entry we cannot read is skipped, never fatal.
 */
export const PaymentListResponseSchema = z.looseObject({
  data: z.array(z.unknown()),
  meta: z
    .looseObject({
      totalPages: z.coerce.number().int().nonnegative().optional().catch(undefined),
    })
    .nullish()
    .catch(null),
});
export type PaymentListResponse = z.output<typeof PaymentListResponseSchema>;

/** `PATCH /pis/v2/payments/{id}` → 2xx: the body is undocumented, so anything (or nothing) is accepted. */
export const CancelResponseSchema = z
  .looseObject({ meta: z.looseObject({ status: statusText }).nullish() })
  .nullish();

import { ApiError, type ApiErrorEntry } from './api-error';
import { bicProblem, ibanProblem, normalizeIban } from './bank-details';

export const DELIVERY_METHODS = ['link', 'email', 'sms'] as const;
export type DeliveryMethod = (typeof DELIVERY_METHODS)[number];

export interface Beneficiary {
  name: string;
  iban: string;
  bic?: string;
}

/** A request-for-payout that passed validation (fintecture-api.md §4). */
export interface PayoutRequest {
  redirectUri?: string;
  state?: string;
  language?: string;
  country?: string;
  psu: {
    name: string;
    email?: string;
    phone?: string;
    phonePrefix?: string;
    address?: Record<string, unknown>;
  };
  method: DeliveryMethod;
  expirySeconds: number;
  amount: string;
  currency: 'EUR' | 'GBP';
  communication: string;
  endToEndId?: string;
  beneficiary?: Beneficiary;
}

export const DEFAULT_EXPIRY_SECONDS = 7 * 24 * 3600;
const MAX_EXPIRY_SECONDS = 30 * 24 * 3600;
const AMOUNT = /^(0|[1-9]\d{0,8})(\.\d{1,2})?$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// SEPA end-to-end references: up to 35 characters of the SEPA Latin set.
const END_TO_END_ID = /^[A-Za-z0-9/\-?:().,'+]{1,35}$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Collects every problem of a request so one 400 names them all. */
class Problems {
  readonly entries: ApiErrorEntry[] = [];

  missing(field: string) {
    this.entries.push({
      code: 'mandatory_field_missing',
      title: 'Mandatory field missing',
      message: `The field [${field}] is mandatory`,
      source: { pointer: pointer(field) },
    });
  }

  invalid(field: string, why: string) {
    this.entries.push({
      code: 'invalid_field',
      title: 'Invalid field',
      message: `The value or format of field [${field}] is incorrect: ${why}`,
      source: { pointer: pointer(field) },
    });
  }
}

function pointer(field: string): string {
  return '/' + field.replace(/\./g, '/');
}

function text(
  problems: Problems,
  object: Json,
  key: string,
  field: string,
  rules: { required: boolean; max: number },
): string | undefined {
  const value = object[key];
  if (value === undefined || value === null || value === '') {
    if (rules.required) problems.missing(field);
    return undefined;
  }
  if (typeof value !== 'string') return void problems.invalid(field, 'must be a string');
  if (value.length > rules.max)
    return void problems.invalid(field, `must be at most ${rules.max} characters`);
  if (CONTROL_CHARS.test(value)) return void problems.invalid(field, 'must not contain control characters');
  return value;
}

function twoLetters(problems: Problems, value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (!/^[A-Za-z]{2}$/.test(value)) return void problems.invalid(field, 'must be a 2-letter code');
  return value.toLowerCase();
}

function validRedirectUri(
  problems: Problems,
  value: string | null,
  registered: string[],
): string | undefined {
  if (value === null) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return void problems.invalid('redirect_uri', 'must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return void problems.invalid('redirect_uri', 'must be http(s)');
  if (registered.length > 0 && !registered.some((uri) => value === uri || value.startsWith(`${uri}?`))) {
    return void problems.invalid('redirect_uri', 'is not registered for this application');
  }
  return value;
}

export function parsePayoutRequest(
  query: URLSearchParams,
  headers: { language?: string; country?: string },
  rawBody: Buffer,
  registeredRedirectUris: string[],
): PayoutRequest {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new ApiError(400, [
      { code: 'invalid_body', title: 'Bad Request', message: 'The request body is not valid JSON' },
    ]);
  }
  const problems = new Problems();
  if (!isObject(body)) {
    problems.missing('meta');
    problems.missing('data');
    throw new ApiError(400, problems.entries);
  }

  const redirectUri = validRedirectUri(problems, query.get('redirect_uri'), registeredRedirectUris);
  const state = query.get('state') ?? undefined;
  if (state !== undefined && state.length > 512) problems.invalid('state', 'must be at most 512 characters');
  const language = twoLetters(problems, headers.language, 'x-language');
  const country = twoLetters(problems, headers.country, 'x-country');

  const meta = body.meta;
  const data = body.data;
  if (!isObject(meta)) problems.missing('meta');
  if (!isObject(data)) problems.missing('data');
  const attributes = isObject(data) ? data.attributes : undefined;
  if (isObject(data)) {
    if (data.type !== undefined && data.type !== 'payments')
      problems.invalid('data.type', 'must be "payments"');
    if (!isObject(attributes)) problems.missing('data.attributes');
  }
  const m: Json = isObject(meta) ? meta : {};
  const a: Json = isObject(attributes) ? attributes : {};

  const psuName = isObject(meta)
    ? text(problems, m, 'psu_name', 'meta.psu_name', { required: true, max: 140 })
    : undefined;
  const psuEmail = text(problems, m, 'psu_email', 'meta.psu_email', { required: false, max: 254 });
  if (psuEmail !== undefined && !EMAIL.test(psuEmail))
    problems.invalid('meta.psu_email', 'is not an e-mail address');
  const psuPhone = text(problems, m, 'psu_phone', 'meta.psu_phone', { required: false, max: 20 });
  if (psuPhone !== undefined && !/^\d{6,15}$/.test(psuPhone))
    problems.invalid('meta.psu_phone', 'must be 6 to 15 digits');
  const psuPhonePrefix = text(problems, m, 'psu_phone_prefix', 'meta.psu_phone_prefix', {
    required: false,
    max: 5,
  });
  if (psuPhonePrefix !== undefined && !/^\+\d{1,4}$/.test(psuPhonePrefix)) {
    problems.invalid('meta.psu_phone_prefix', 'must look like +33');
  }
  let address: Record<string, unknown> | undefined;
  if (m.psu_address !== undefined) {
    if (!isObject(m.psu_address)) problems.invalid('meta.psu_address', 'must be an object');
    else address = m.psu_address; // key spellings vary across SDKs (zip/zipcode, number/street_number): keep as is
  }

  let method: DeliveryMethod = 'link';
  if (m.method !== undefined) {
    if (typeof m.method !== 'string' || !(DELIVERY_METHODS as readonly string[]).includes(m.method)) {
      problems.invalid('meta.method', `must be one of ${DELIVERY_METHODS.join(', ')}`);
    } else method = m.method as DeliveryMethod;
  }
  if (
    method === 'email' &&
    psuEmail === undefined &&
    !problems.entries.some((e) => e.message.includes('[meta.psu_email]'))
  ) {
    problems.missing('meta.psu_email');
  }
  if (method === 'sms') {
    if (psuPhone === undefined && m.psu_phone === undefined) problems.missing('meta.psu_phone');
    if (psuPhonePrefix === undefined && m.psu_phone_prefix === undefined)
      problems.missing('meta.psu_phone_prefix');
  }

  let expirySeconds = DEFAULT_EXPIRY_SECONDS;
  if (m.expiry !== undefined) {
    if (
      typeof m.expiry !== 'number' ||
      !Number.isInteger(m.expiry) ||
      m.expiry < 1 ||
      m.expiry > MAX_EXPIRY_SECONDS
    ) {
      problems.invalid('meta.expiry', `must be an integer number of seconds from 1 to ${MAX_EXPIRY_SECONDS}`);
    } else expirySeconds = m.expiry;
  }

  let amount: string | undefined;
  if (isObject(attributes)) {
    if (a.amount === undefined || a.amount === null || a.amount === '')
      problems.missing('data.attributes.amount');
    else if (typeof a.amount !== 'string')
      problems.invalid('data.attributes.amount', 'must be a decimal string like "26.99"');
    else if (!AMOUNT.test(a.amount))
      problems.invalid('data.attributes.amount', 'must be a decimal with at most 2 decimals');
    else if (Number(a.amount) <= 0) problems.invalid('data.attributes.amount', 'must be greater than 0');
    else amount = a.amount;
  }

  let currency: 'EUR' | 'GBP' | undefined;
  if (isObject(attributes)) {
    if (a.currency === undefined || a.currency === '') problems.missing('data.attributes.currency');
    else if (a.currency !== 'EUR' && a.currency !== 'GBP')
      problems.invalid('data.attributes.currency', 'must be EUR or GBP');
    else currency = a.currency;
  }

  const communication = isObject(attributes)
    ? text(problems, a, 'communication', 'data.attributes.communication', { required: true, max: 140 })
    : undefined;

  let endToEndId: string | undefined;
  if (a.end_to_end_id !== undefined) {
    if (typeof a.end_to_end_id !== 'string' || !END_TO_END_ID.test(a.end_to_end_id)) {
      problems.invalid('data.attributes.end_to_end_id', 'must be 1 to 35 characters of the SEPA set');
    } else endToEndId = a.end_to_end_id;
  }

  let beneficiary: Beneficiary | undefined;
  if (a.beneficiary !== undefined) {
    if (!isObject(a.beneficiary)) problems.invalid('data.attributes.beneficiary', 'must be an object');
    else {
      const b = a.beneficiary;
      const name = text(problems, b, 'name', 'data.attributes.beneficiary.name', { required: true, max: 70 });
      let iban: string | undefined;
      if (b.iban === undefined || b.iban === '') problems.missing('data.attributes.beneficiary.iban');
      else if (typeof b.iban !== 'string')
        problems.invalid('data.attributes.beneficiary.iban', 'must be a string');
      else {
        const problem = ibanProblem(b.iban);
        if (problem) problems.invalid('data.attributes.beneficiary.iban', problem);
        else iban = normalizeIban(b.iban);
      }
      let bic: string | undefined;
      if (b.swift_bic !== undefined && b.swift_bic !== '') {
        const problem = typeof b.swift_bic === 'string' ? bicProblem(b.swift_bic) : 'must be a string';
        if (problem) problems.invalid('data.attributes.beneficiary.swift_bic', problem);
        else bic = String(b.swift_bic).toUpperCase();
      }
      if (name && iban) beneficiary = { name, iban, ...(bic ? { bic } : {}) };
    }
  }

  // Scenario 1 sends the payee back to the merchant: without a redirect URI there is nowhere to go.
  if (a.beneficiary === undefined && query.get('redirect_uri') === null) problems.missing('redirect_uri');

  if (problems.entries.length > 0 || !psuName || !amount || !currency || !communication) {
    throw new ApiError(400, problems.entries);
  }
  return {
    redirectUri,
    state,
    language,
    country,
    psu: {
      name: psuName,
      ...(psuEmail ? { email: psuEmail } : {}),
      ...(psuPhone ? { phone: psuPhone } : {}),
      ...(psuPhonePrefix ? { phonePrefix: psuPhonePrefix } : {}),
      ...(address ? { address } : {}),
    },
    method,
    expirySeconds,
    amount,
    currency,
    communication,
    endToEndId,
    beneficiary,
  };
}

import { randomBytes } from 'node:crypto';
import {
  compareWithFingerprint,
  FINGERPRINT_FIELDS,
  fingerprintKeyring,
  fingerprintRequest,
} from '../../client/payouts/request-fingerprint';
import { parsePayoutRequest, type PayoutRequest } from '../../domain/payout-request';
import { loadPayloadKeys } from '../../common/codec-config';
import { TEST_CODEC_KEYS_FILE } from '../support/codec';
import {
  CONFLICT_PAYEE_EMAIL,
  CONFLICT_PAYEE_NAME,
  CONFLICT_PAYEE_PHONE,
  fullOrderBody,
  reformattedOrderBody,
  severalFieldsChanged,
  SINGLE_FIELD_CHANGES,
  type OrderBody,
} from '../support/order-conflict-cases';
import { TEST_BIC, TEST_IBAN } from '../support/payout-bodies';

/** The per-field request digest (client/payouts/request-fingerprint.ts), on its own: no Temporal. */

const keyring = fingerprintKeyring(loadPayloadKeys({ PAYLOAD_CODEC_KEYS_FILE: TEST_CODEC_KEYS_FILE }));

function parsed(body: OrderBody): PayoutRequest {
  const result = parsePayoutRequest(body);
  if (!result.ok) throw new Error(`test body is invalid: ${JSON.stringify(result.issues)}`);
  return result.request;
}

/** A fingerprint as the memo gives it back: through JSON. */
const stored = (request: PayoutRequest, ring = keyring) =>
  JSON.parse(JSON.stringify(fingerprintRequest(request, ring))) as unknown;

describe('compareWithFingerprint', () => {
  it.each(SINGLE_FIELD_CHANGES)('%s, alone: names exactly %s', (_label, path, before, after) => {
    const base = fullOrderBody('order-1');
    const comparison = compareWithFingerprint(parsed(after(base)), stored(parsed(before(base))), keyring);
    expect(comparison).toEqual({ kind: 'different', paths: [path] });
  });

  it('every field of the request is compared (the matrix covers them all)', () => {
    expect(new Set(SINGLE_FIELD_CHANGES.map(([, path]) => path))).toEqual(new Set(FINGERPRINT_FIELDS));
  });

  it('several fields changed: names them all', () => {
    const base = fullOrderBody('order-1');
    const { body, paths } = severalFieldsChanged(base);
    expect(compareWithFingerprint(parsed(body), stored(parsed(base)), keyring)).toEqual({
      kind: 'different',
      paths,
    });
  });

  it('the same request formatted differently is the same (compared after normalisation)', () => {
    const base = fullOrderBody('order-1');
    const reformatted = reformattedOrderBody(base);
    expect(reformatted.beneficiary!.iban).not.toBe(TEST_IBAN);
    expect(reformatted.beneficiary!.bic).not.toBe(TEST_BIC);
    expect(compareWithFingerprint(parsed(reformatted), stored(parsed(base)), keyring)).toEqual({
      kind: 'same',
    });
  });

  it('cannot compare without a recorded fingerprint (a payout started before this existed)', () => {
    const request = parsed(fullOrderBody('order-1'));
    for (const recorded of [undefined, null, 'x', { version: 2 }, { version: 1, keyId: null, fields: {} }]) {
      expect(compareWithFingerprint(request, recorded, keyring)).toEqual({
        kind: 'unverifiable',
        reason: 'not_recorded',
      });
    }
  });

  it('survives a codec key rotation, and says so when the key is gone', () => {
    const request = parsed(fullOrderBody('order-1'));
    const oldKey = randomBytes(32);
    const before = fingerprintKeyring({ currentKeyId: 'old', keys: new Map([['old', oldKey]]) });
    const rotated = fingerprintKeyring({
      currentKeyId: 'new',
      keys: new Map([
        ['new', randomBytes(32)],
        ['old', oldKey],
      ]),
    });
    const recorded = stored(request, before);
    expect(compareWithFingerprint(request, recorded, rotated)).toEqual({ kind: 'same' });
    expect(
      compareWithFingerprint(parsed({ ...fullOrderBody('order-1'), amount: '1.00' }), recorded, rotated),
    ).toEqual({ kind: 'different', paths: ['amount'] });
    expect(compareWithFingerprint(request, recorded, keyring)).toEqual({
      kind: 'unverifiable',
      reason: 'unknown_key',
    });
  });

  it('codec off: a fixed derivation (keyId null) that a keyed process can still compare', () => {
    const request = parsed(fullOrderBody('order-1'));
    const off = fingerprintKeyring(null);
    const recorded = fingerprintRequest(request, off);
    expect(recorded.keyId).toBeNull();
    expect(compareWithFingerprint(request, recorded, keyring)).toEqual({ kind: 'same' });
  });
});

describe('fingerprintRequest', () => {
  it('holds no personal value, raw or normalised', () => {
    const text = JSON.stringify(fingerprintRequest(parsed(fullOrderBody('order-1')), keyring));
    for (const value of [
      CONFLICT_PAYEE_NAME,
      CONFLICT_PAYEE_EMAIL,
      CONFLICT_PAYEE_PHONE,
      TEST_IBAN,
      TEST_BIC,
    ]) {
      expect(text).not.toContain(value);
    }
    expect(text).not.toContain('26.99');
  });

  it('is keyed, and bound to the order and the field', () => {
    const request = parsed(fullOrderBody('order-1'));
    const mine = fingerprintRequest(request, keyring);
    const otherKey = fingerprintRequest(
      request,
      fingerprintKeyring({
        currentKeyId: 'test-2026-11',
        keys: new Map([['test-2026-11', randomBytes(32)]]),
      }),
    );
    const otherOrder = fingerprintRequest({ ...request, orderId: 'order-2' }, keyring);
    for (const path of FINGERPRINT_FIELDS) {
      expect(mine.fields[path]).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(otherKey.fields[path]).not.toBe(mine.fields[path]);
      expect(otherOrder.fields[path]).not.toBe(mine.fields[path]);
    }
    // The payee and the beneficiary carry the same name: their digests still differ.
    expect(mine.fields['payee.name']).not.toBe(mine.fields['beneficiary.name']);
    expect(mine.keyId).toBe('test-2026-11');
  });
});

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
export const CIPHER_METADATA = 'encryption-cipher';
const CIPHER = 'AES-256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class PayloadCodecError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PayloadCodecError';
  }
}

export interface PayloadKeys {
  /** The key new payloads are encrypted with. */
  currentKeyId: string;
  /** Every key that may still be needed to decrypt older payloads (rotation keeps the old ones here). */
  keys: ReadonlyMap<string, Buffer>;
}

const text = (value: string) => new TextEncoder().encode(value);

/**
 * Encrypts every payload (workflow input with payee data, results, signals, failure messages…) with
 * AES-256-GCM before it reaches Temporal (G5). The key ID travels in the payload metadata, so keys can be
 * rotated: new payloads use the current key, old ones decrypt with theirs as long as it is configured.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(private readonly keys: PayloadKeys) {
    if (!keys.keys.has(keys.currentKeyId)) {
      throw new PayloadCodecError(`the current key ${keys.currentKeyId} is not among the configured keys`);
    }
    for (const [id, key] of keys.keys) {
      if (key.length !== 32)
        throw new PayloadCodecError(`key ${id} must be 32 bytes (AES-256), got ${key.length}`);
    }
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.keys.get(this.keys.currentKeyId)!;
    return payloads.map((payload) => {
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          [METADATA_ENCODING_KEY]: text(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: text(this.keys.currentKeyId),
          [CIPHER_METADATA]: text(CIPHER),
        },
        data: sealed,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
      // Payloads written before encryption was turned on stay readable.
      if (!encoding || Buffer.from(encoding).toString() !== ENCRYPTED_ENCODING) return payload;
      const keyIdBytes = payload.metadata?.[KEY_ID_METADATA];
      const keyId = keyIdBytes ? Buffer.from(keyIdBytes).toString() : '';
      const key = this.keys.keys.get(keyId);
      if (!key) throw new PayloadCodecError(`payload encrypted with unknown key ${JSON.stringify(keyId)}`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadCodecError('encrypted payload is truncated');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        const plain = Buffer.concat([
          decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
          decipher.final(),
        ]);
        return temporal.api.common.v1.Payload.decode(plain);
      } catch (cause) {
        throw new PayloadCodecError(`payload does not decrypt with key ${JSON.stringify(keyId)}`, { cause });
      }
    });
  }
}

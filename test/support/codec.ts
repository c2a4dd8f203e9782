import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { loadPayloadKeys, payoutDataConverter } from '../../common/codec-config';

/** The committed test-only key file: tests, recorded histories and their replay all use it. */
export const TEST_CODEC_KEYS_FILE = path.resolve(__dirname, '../fixtures/codec-test-keys.json');

/** The production data converter (AES-256-GCM payloads, encoded failures) with the test key. */
export function testDataConverter(): DataConverter {
  return payoutDataConverter(loadPayloadKeys({ PAYLOAD_CODEC_KEYS_FILE: TEST_CODEC_KEYS_FILE }));
}

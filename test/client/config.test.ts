import { parseEnv } from '../../common/env-schema';
import { workerEnvSchema } from '../../workers/worker-config';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { ConfigError, loadClientConfig, loadIngressConfig } from '../../client/config';
import { temporalConnectionOptions } from '../../common/temporal-config';
import { DEFAULT_PAYOUT_SETTINGS } from '../../domain/payout-settings';
import { webhookKeys } from '../support/ingress-harness';
import { TEST_CODEC_KEYS_FILE } from '../support/codec';

const API_KEY = 'a-very-secret-ingress-key';
const CODEC = { PAYLOAD_CODEC_KEYS_FILE: TEST_CODEC_KEYS_FILE };

function ingressEnv(overrides: Record<string, string | undefined> = {}) {
  return {
    INGRESS_API_KEY: API_KEY,
    FINTECTURE_APP_ID: 'app-123',
    FINTECTURE_PRIVATE_KEY: webhookKeys().privateKeyPem,
    ...CODEC,
    ...overrides,
  };
}

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).name).toBe('ConfigError');
    return error as ConfigError;
  }
  throw new Error('the configuration was accepted');
}

describe('loadIngressConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadIngressConfig(ingressEnv());
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 4000,
      publicBaseUrl: 'http://127.0.0.1:4000',
      temporal: { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'payouts', tls: undefined },
      webhook: { appId: 'app-123', dateToleranceSeconds: 300, maxAgeSeconds: 86_400 },
      payoutSettings: DEFAULT_PAYOUT_SETTINGS,
    });
    expect(config.apiKey.reveal()).toBe(API_KEY);
    expect(config.webhook.privateKey.reveal().asymmetricKeyType).toBe('rsa');
  });

  it('reads WEBHOOK_MAX_AGE_SECONDS apart from the future-skew tolerance, within bounds', () => {
    const config = loadIngressConfig(
      ingressEnv({ WEBHOOK_MAX_AGE_SECONDS: '172800', WEBHOOK_DATE_TOLERANCE_SECONDS: '120' }),
    );
    expect(config.webhook).toMatchObject({ maxAgeSeconds: 172_800, dateToleranceSeconds: 120 });
    for (const value of ['30', String(8 * 86_400), '3600.5']) {
      const error = configError(() => loadIngressConfig(ingressEnv({ WEBHOOK_MAX_AGE_SECONDS: value })));
      expect(error.variables).toEqual(['WEBHOOK_MAX_AGE_SECONDS']);
      expect(error.message).toContain('WEBHOOK_MAX_AGE_SECONDS must be');
    }
  });

  it("reads MERCHANT_DISPLAY_NAME for the payee's return page, with a default and a length bound", () => {
    expect(loadIngressConfig(ingressEnv()).merchantDisplayName).toBe('Your merchant');
    expect(loadIngressConfig(ingressEnv({ MERCHANT_DISPLAY_NAME: '  ' })).merchantDisplayName).toBe(
      'Your merchant',
    );
    expect(
      loadIngressConfig(ingressEnv({ MERCHANT_DISPLAY_NAME: ' Atelier Dupont ' })).merchantDisplayName,
    ).toBe('Atelier Dupont');
    const error = configError(() => loadIngressConfig(ingressEnv({ MERCHANT_DISPLAY_NAME: 'x'.repeat(81) })));
    expect(error.variables).toEqual(['MERCHANT_DISPLAY_NAME']);
  });

  it('derives PUBLIC_BASE_URL from the port and trims a trailing slash', () => {
    expect(loadIngressConfig(ingressEnv({ INGRESS_PORT: '4100' })).publicBaseUrl).toBe(
      'http://127.0.0.1:4100',
    );
    expect(
      loadIngressConfig(ingressEnv({ PUBLIC_BASE_URL: 'https://pay.shop.example/' })).publicBaseUrl,
    ).toBe('https://pay.shop.example');
  });

  it('reads the private key from a file path, or from one-line PEM text', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ingress-config-'));
    const file = path.join(dir, 'key.pem');
    writeFileSync(file, webhookKeys().privateKeyPem);
    expect(() => loadIngressConfig(ingressEnv({ FINTECTURE_PRIVATE_KEY: file }))).not.toThrow();
    const oneLine = webhookKeys().privateKeyPem.replace(/\n/g, '\\n');
    expect(() => loadIngressConfig(ingressEnv({ FINTECTURE_PRIVATE_KEY: oneLine }))).not.toThrow();
  });

  it('names every bad variable at once, without repeating secrets', () => {
    const error = configError(() =>
      loadIngressConfig({
        INGRESS_API_KEY: 'short-secret',
        INGRESS_PORT: 'eighty',
        PUBLIC_BASE_URL: 'ftp://x',
        FINTECTURE_PRIVATE_KEY: '/nonexistent/key.pem',
        WEBHOOK_DATE_TOLERANCE_SECONDS: '0',
        WEBHOOK_MAX_AGE_SECONDS: 'a day',
        TEMPORAL_ADDRESS: 'no-port',
        FINTECTURE_FINAL_TRANSFER_STATES: 'completed,teleported',
      }),
    );
    expect(error.variables.sort()).toEqual(
      [
        'INGRESS_API_KEY',
        'INGRESS_PORT',
        'PUBLIC_BASE_URL',
        'FINTECTURE_APP_ID',
        'FINTECTURE_PRIVATE_KEY',
        'WEBHOOK_DATE_TOLERANCE_SECONDS',
        'WEBHOOK_MAX_AGE_SECONDS',
        'TEMPORAL_ADDRESS',
        'FINTECTURE_FINAL_TRANSFER_STATES',
      ].sort(),
    );
    expect(error.message).toContain('INGRESS_API_KEY must be at least 16 characters');
    expect(error.message).toContain('FINTECTURE_APP_ID is required');
    expect(error.message).not.toContain('short-secret');
    expect(error.message).not.toContain('/nonexistent/key.pem');
  });

  it('never shows a secret when printed, inspected or serialised', () => {
    const config = loadIngressConfig(ingressEnv({ TEMPORAL_API_KEY: 'temporal-cloud-secret' }));
    const renderings = [String(config), inspect(config, { depth: 10 }), JSON.stringify(config)];
    for (const text of renderings) {
      expect(text).not.toContain(API_KEY);
      expect(text).not.toContain('temporal-cloud-secret');
      expect(text).not.toContain('PRIVATE KEY');
    }
    expect(String(config)).toContain('appId=app-123');
  });
});

describe('loadClientConfig and the Temporal connection', () => {
  it('turns TLS on when an API key is set, and passes the key to the connection', () => {
    const config = loadClientConfig({
      ...CODEC,
      TEMPORAL_API_KEY: 'k',
      TEMPORAL_ADDRESS: 'ns.tmprl.cloud:7233',
    });
    const options = temporalConnectionOptions(config.temporal);
    expect(options).toMatchObject({ address: 'ns.tmprl.cloud:7233', apiKey: 'k', tls: {} });
    expect(temporalConnectionOptions(loadClientConfig(CODEC).temporal).tls).toBe(false);
  });

  it('needs both halves of a client certificate', () => {
    const error = configError(() => loadClientConfig({ TEMPORAL_TLS_CERT: webhookKeys().publicKeyPem }));
    expect(error.variables).toEqual(['TEMPORAL_TLS_KEY']);
  });

  it('reads the payout settings the workflow will start with', () => {
    const config = loadClientConfig({
      ...CODEC,
      PAYOUT_POLL_DELAYS_SECONDS: '5,10,60',
      FINTECTURE_FINAL_TRANSFER_STATES: 'received,rejected,cancelled',
    });
    expect(config.payoutSettings.pollDelaysSeconds).toEqual([5, 10, 60]);
    expect(config.payoutSettings.finalStates.transferStates).toEqual(['received', 'rejected', 'cancelled']);
    expect(() => loadClientConfig({ PAYOUT_POLL_DELAYS_SECONDS: '5,soon' })).toThrow(
      /PAYOUT_POLL_DELAYS_SECONDS/,
    );
  });

  it('reads how rarely a payout waiting for its payee reads Fintecture (default 4 h), within bounds', () => {
    expect(loadClientConfig({ ...CODEC }).payoutSettings.quietPollSeconds).toBe(4 * 3600);
    expect(
      loadClientConfig({ ...CODEC, PAYOUT_QUIET_POLL_SECONDS: '7200' }).payoutSettings.quietPollSeconds,
    ).toBe(7200);
    for (const bad of ['0', '8 days', String(8 * 86_400)]) {
      expect(() => loadClientConfig({ ...CODEC, PAYOUT_QUIET_POLL_SECONDS: bad })).toThrow(
        /PAYOUT_QUIET_POLL_SECONDS/,
      );
    }
  });
});

describe('the worker settings', () => {
  it('reads the Fintecture read budget shared by every worker (default 25/s), naming a bad value', () => {
    expect(parseEnv(workerEnvSchema, {}).FINTECTURE_MAX_READS_PER_SECOND).toBe(25);
    expect(
      parseEnv(workerEnvSchema, { FINTECTURE_MAX_READS_PER_SECOND: '2.5' }).FINTECTURE_MAX_READS_PER_SECOND,
    ).toBe(2.5);
    for (const bad of ['0', '-1', 'fast', '20000']) {
      expect(() => parseEnv(workerEnvSchema, { FINTECTURE_MAX_READS_PER_SECOND: bad })).toThrow(
        /FINTECTURE_MAX_READS_PER_SECOND/,
      );
    }
  });
});

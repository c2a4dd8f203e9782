import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { loadFintectureConfig } from '../../activities/fintecture/config';
import { ConfigError } from '../../common/config-error';
import { pemFragments } from './harness';

const pkcs1 = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;
const pkcs8 = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;
const keyFile = path.join(mkdtempSync(path.join(tmpdir(), 'fintecture-config-')), 'key.pem');
writeFileSync(keyFile, pkcs8);

const SECRET = 'app-secret-9d2c41e7';
const valid = {
  FINTECTURE_API_URL: 'https://api-sandbox.fintecture.com/',
  FINTECTURE_APP_ID: 'app-123',
  FINTECTURE_APP_SECRET: SECRET,
  FINTECTURE_PRIVATE_KEY: keyFile,
  PUBLIC_BASE_URL: 'https://payouts.shop.example/',
};

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadFintectureConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('Fintecture configuration', () => {
  it('parses a complete environment, with defaults for the rest', () => {
    const config = loadFintectureConfig(valid);
    expect(config.apiUrl).toBe('https://api-sandbox.fintecture.com');
    expect(config.appId).toBe('app-123');
    expect(config.appSecret.reveal()).toBe(SECRET);
    expect(config.privateKey.reveal().asymmetricKeyType).toBe('rsa');
    expect(config.scope).toBe('PIS');
    expect(config.redirectUri).toBe('https://payouts.shop.example/payouts/return');
    expect(config.requestTimeoutMs).toBe(15_000);
    expect(config.reconciliation).toEqual({ maxPages: 5_000, pageSize: 100 });
  });

  it('takes the private key as PEM text too, PKCS#1 or PKCS#8, even with literal \\n', () => {
    for (const pem of [pkcs1, pkcs8, pkcs8.replace(/\n/g, '\\n')]) {
      expect(loadFintectureConfig({ ...valid, FINTECTURE_PRIVATE_KEY: pem }).privateKey.reveal().type).toBe(
        'private',
      );
    }
  });

  it('reads the optional settings', () => {
    const config = loadFintectureConfig({
      ...valid,
      FINTECTURE_SCOPE: 'payout',
      FINTECTURE_LANGUAGE: 'fr',
      FINTECTURE_COUNTRY: 'FR',
      FINTECTURE_REQUEST_TIMEOUT_MS: '2500',
      FINTECTURE_RECONCILE_MAX_PAGES: '3',
    });
    expect(config).toMatchObject({ scope: 'payout', language: 'fr', country: 'FR', requestTimeoutMs: 2500 });
    expect(config.reconciliation.maxPages).toBe(3);
  });

  it('names every missing setting at once (an empty value counts as missing)', () => {
    const error = configError({ FINTECTURE_APP_ID: '', PUBLIC_BASE_URL: valid.PUBLIC_BASE_URL });
    expect(error.variables.sort()).toEqual([
      'FINTECTURE_APP_ID',
      'FINTECTURE_APP_SECRET',
      'FINTECTURE_PRIVATE_KEY',
    ]);
    expect(error.message).toContain('FINTECTURE_APP_ID is required');
    expect(error.name).toBe('ConfigError');
  });

  it('takes a blank value for unset, as every process does', () => {
    expect(configError({ ...valid, FINTECTURE_APP_ID: '  ' }).variables).toEqual(['FINTECTURE_APP_ID']);
    expect(loadFintectureConfig({ ...valid, FINTECTURE_REQUEST_TIMEOUT_MS: ' ' }).requestTimeoutMs).toBe(
      15_000,
    );
  });

  it.each([
    ['FINTECTURE_API_URL', 'not a url'],
    ['FINTECTURE_API_URL', 'ftp://example.com'],
    ['PUBLIC_BASE_URL', 'example.com'],
    ['FINTECTURE_SCOPE', 'PIS;DROP'],
    ['FINTECTURE_LANGUAGE', 'french'],
    ['FINTECTURE_REQUEST_TIMEOUT_MS', 'soon'],
    ['FINTECTURE_REQUEST_TIMEOUT_MS', '0'],
    ['FINTECTURE_RECONCILE_PAGE_SIZE', '500'],
  ])('names %s when it is malformed (%j)', (setting, value) => {
    expect(configError({ ...valid, [setting]: value }).variables).toEqual([setting]);
  });

  it('refuses a private key that is not one, without echoing what it was given', () => {
    // PEM-shaped text whose body is not a key (test/fixtures: key-shaped material lives there only).
    const notAKey = readFileSync(path.join(__dirname, '../fixtures/not-a-private-key.pem'), 'utf8');
    for (const value of [notAKey, '/nonexistent/key.pem']) {
      const error = configError({ ...valid, FINTECTURE_PRIVATE_KEY: value });
      expect(error.variables).toEqual(['FINTECTURE_PRIVATE_KEY']);
      expect(error.message).not.toContain(value);
      expect(error.message).not.toContain('bm90IGEga2V5');
    }
  });

  it('never shows a secret: not in toString, JSON, inspect, nor in errors about other settings', () => {
    const config = loadFintectureConfig({ ...valid, FINTECTURE_PRIVATE_KEY: pkcs8 });
    const renderings = [String(config), `${config}`, JSON.stringify(config), inspect(config, { depth: 10 })];
    const error = configError({ ...valid, FINTECTURE_PRIVATE_KEY: pkcs8, FINTECTURE_API_URL: 'nope' });
    renderings.push(error.message, String(error.stack), inspect(error));
    for (const text of renderings) {
      expect(text).not.toContain(SECRET);
      for (const fragment of pemFragments(pkcs8)) expect(text).not.toContain(fragment);
    }
    expect(String(config)).toContain('app-123');
    expect(JSON.stringify(config)).toContain('"appSecret":"[redacted]"');
  });
});

import { generateKeyPairSync, randomBytes, randomUUID, createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SandboxConfig } from './config';

/** The application as registered at "Fintecture": its credentials and the merchant's public key. */
export interface AppCredentials {
  appId: string;
  appSecret: string;
  merchantPublicKey: KeyObject;
  merchantPublicKeyPem: string;
  publicKeyPath: string;
  /** Only known when the sandbox generated the pair itself (a real Fintecture never sees it). */
  privateKeyPath: string | null;
}

/**
 * Reads the app credentials and merchant key from configuration, generating what is missing once under
 * the data folder so restarts keep the same identity (a client configured yesterday still works).
 */
export function loadOrCreateCredentials(config: SandboxConfig): AppCredentials {
  const dataDir = path.resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });

  const credentialsFile = path.join(dataDir, 'credentials.json');
  let stored: { appId?: string; appSecret?: string } = {};
  if (existsSync(credentialsFile))
    stored = JSON.parse(readFileSync(credentialsFile, 'utf8')) as typeof stored;
  const appId = config.appId ?? stored.appId ?? randomUUID();
  const appSecret = config.appSecret ?? stored.appSecret ?? randomBytes(24).toString('hex');
  if (stored.appId !== appId || stored.appSecret !== appSecret) {
    writeFileSync(credentialsFile, JSON.stringify({ appId, appSecret }, null, 2), { mode: 0o600 });
  }

  let publicKeyPath: string;
  let privateKeyPath: string | null = null;
  if (config.merchantPublicKeyPath) {
    publicKeyPath = path.resolve(config.merchantPublicKeyPath);
  } else {
    publicKeyPath = path.join(dataDir, 'merchant-public.pem');
    privateKeyPath = path.join(dataDir, 'merchant-private.pem');
    if (!existsSync(publicKeyPath) || !existsSync(privateKeyPath)) {
      // PKCS#8 PEM: the only private-key form the official SDK accepts, so it can use the same file.
      const pair = generateKeyPairSync('rsa', {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      });
      writeFileSync(privateKeyPath, pair.privateKey, { mode: 0o600 });
      writeFileSync(publicKeyPath, pair.publicKey);
    }
  }
  const merchantPublicKeyPem = readFileSync(publicKeyPath, 'utf8');
  return {
    appId,
    appSecret,
    merchantPublicKey: createPublicKey(merchantPublicKeyPem),
    merchantPublicKeyPem,
    publicKeyPath,
    privateKeyPath,
  };
}

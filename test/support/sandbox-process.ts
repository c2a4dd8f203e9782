import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tsxNodeArgs } from '../../scripts/service-process';

export interface SandboxReady {
  baseUrl: string;
  appId: string;
  appSecret: string;
  privateKeyPath: string;
  publicKeyPath: string;
  signatures: string;
}

export interface SandboxProcess extends SandboxReady {
  privateKeyPem: string;
  process: ChildProcess;
  /** Calls the sandbox control API (`/_sandbox/…`) and returns its JSON; throws on a non-2xx. */
  control<T = unknown>(method: string, route: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

/**
 * Runs `sandbox/main.ts` as its own process on a free port with its own data folder (fresh keys and
 * credentials), so tests talk to it only over HTTP, as our client will talk to Fintecture.
 * `env` overrides SANDBOX_* settings (tests use millisecond step delays and retry bases).
 */
export async function startSandboxProcess(env: Record<string, string> = {}): Promise<SandboxProcess> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'payout-sandbox-'));
  const child = spawn(process.execPath, tsxNodeArgs('sandbox/main.ts'), {
    env: {
      PATH: process.env.PATH ?? '',
      SANDBOX_PORT: '0',
      SANDBOX_DATA_DIR: dataDir,
      SANDBOX_STEP_DELAY_MS: '20',
      SANDBOX_SLOW_DELAY_MS: '500',
      SANDBOX_WEBHOOK_RETRY_BASE_MS: '20',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = await new Promise<SandboxReady>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((l) => l.startsWith('SANDBOX_READY '));
      if (line) resolve(JSON.parse(line.slice('SANDBOX_READY '.length)) as SandboxReady);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) =>
      reject(new Error(`sandbox exited with ${code} before it was ready:\n${output}`)),
    );
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  return {
    ...ready,
    privateKeyPem: readFileSync(ready.privateKeyPath, 'utf8'),
    process: child,
    async control<T>(method: string, route: string, body?: unknown): Promise<T> {
      const response = await fetch(`${ready.baseUrl}/_sandbox${route}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`sandbox control ${method} ${route} → ${response.status}: ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

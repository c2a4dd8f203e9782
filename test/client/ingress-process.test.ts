import { spawn, type ChildProcess } from 'node:child_process';
import { webhookKeys, TEST_API_KEY } from '../support/ingress-harness';
import { testNamespace, testTemporalAddress } from '../support/temporal';
import { TEST_CODEC_KEYS_FILE } from '../support/codec';
import { tsxNodeArgs } from '../../scripts/service-process';

function runIngress(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [...tsxNodeArgs('client/ingress/main.ts')], {
    env: { PATH: process.env.PATH ?? '', PAYLOAD_CODEC_KEYS_FILE: TEST_CODEC_KEYS_FILE, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

it('starts, prints its URL, answers, and stops cleanly on SIGTERM', async () => {
  const ingress = runIngress({
    INGRESS_PORT: '0',
    INGRESS_API_KEY: TEST_API_KEY,
    FINTECTURE_APP_ID: 'app-under-test',
    FINTECTURE_PRIVATE_KEY: webhookKeys().privateKeyPem,
    TEMPORAL_ADDRESS: testTemporalAddress(),
    TEMPORAL_NAMESPACE: testNamespace(),
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const match = /Ingress listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(ingress.output());
        if (match) {
          clearInterval(timer);
          resolve(match[1]!);
        }
      }, 50);
      void ingress.exited.then((code) => {
        clearInterval(timer);
        reject(new Error(`ingress exited with ${code}:\n${ingress.output()}`));
      });
    });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const unauthorized = await fetch(`${url}/payouts/x`);
    expect(unauthorized.status).toBe(401);

    ingress.child.kill('SIGTERM');
    expect(await ingress.exited).toBe(0);
    const logs = ingress.output();
    expect(logs).toContain('"event":"ingress_stopping"');
    expect(logs).not.toContain(TEST_API_KEY);
    expect(logs).not.toContain('PRIVATE KEY');
  } finally {
    if (ingress.child.exitCode === null) ingress.child.kill('SIGKILL');
  }
});

it('refuses to start with a bad configuration, naming the variables, exit code 2', async () => {
  const ingress = runIngress({ INGRESS_API_KEY: 'short', FINTECTURE_APP_ID: 'app' });
  expect(await ingress.exited).toBe(2);
  expect(ingress.output()).toContain('INGRESS_API_KEY must be at least 16 characters');
  expect(ingress.output()).toContain('FINTECTURE_PRIVATE_KEY is required');
  expect(ingress.output()).not.toContain('short;');
});

import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requestToken, sdkRequest } from '../support/fintecture-sdk';
import { payoutQuery, verifiedPayoutBody } from '../support/payout-bodies';
import { startSandboxProcess } from '../support/sandbox-process';
import { eventually } from '../support/wait';
import { WebhookReceiver } from '../support/webhook-receiver';
import { tsxNodeArgs } from '../../scripts/service-process';

const ROOT = path.resolve(__dirname, '../..');

describe('npm run sandbox', () => {
  it('keeps its generated identity across restarts on the same data folder', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sandbox-identity-'));
    const first = await startSandboxProcess({ SANDBOX_DATA_DIR: dataDir });
    await first.stop();
    const second = await startSandboxProcess({ SANDBOX_DATA_DIR: dataDir });
    try {
      expect(second.appId).toBe(first.appId);
      expect(second.appSecret).toBe(first.appSecret);
      expect(second.privateKeyPem).toBe(first.privateKeyPem);
      // PKCS#8 PEM (the form the official SDK needs): re-exporting it as PKCS#8 gives the same text.
      expect(
        createPrivateKey(second.privateKeyPem).export({ type: 'pkcs8', format: 'pem' }).toString().trim(),
      ).toBe(second.privateKeyPem.trim());
      // A client configured against the first run still gets tokens from the second.
      await expect(requestToken(second)).resolves.toEqual(expect.any(String));
    } finally {
      await second.stop();
    }
  });

  it('with SANDBOX_STATE_FILE, keeps payouts across a restart and resumes their lifecycle', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sandbox-state-'));
    const env = {
      SANDBOX_DATA_DIR: dataDir,
      SANDBOX_STATE_FILE: path.join(dataDir, 'state.json'),
      SANDBOX_SLOW_DELAY_MS: '1500',
    };
    const first = await startSandboxProcess(env);
    const token = await requestToken(first);
    const created = await sdkRequest<{ meta: { session_id: string } }>(
      first,
      token,
      'POST',
      payoutQuery().path,
      verifiedPayoutBody('408.00'),
    );
    const sessionId = created.body.meta.session_id;
    await eventually(
      () => first.control<{ transferState: string }>('GET', `/payouts/${sessionId}`),
      (p) => p.transferState === 'processing',
      { what: 'processing before the restart' },
    );
    await first.stop();

    const second = await startSandboxProcess(env);
    try {
      const settled = await eventually(
        () =>
          second.control<{ transferState: string; history: { transferState?: string }[] }>(
            'GET',
            `/payouts/${sessionId}`,
          ),
        (p) => p.transferState === 'completed',
        { what: 'settlement after the restart' },
      );
      expect(settled.history.map((h) => h.transferState)).toEqual(['initiated', 'processing', 'completed']);
    } finally {
      await second.stop();
    }
  });

  it.each([
    ['SANDBOX_SIGNATURES', 'sometimes'],
    ['SANDBOX_PROFILE', 'lenient'],
  ])('refuses a malformed setting at start-up, naming it (%s=%s)', (name, value) => {
    const result = spawnSync(process.execPath, tsxNodeArgs('sandbox/main.ts'), {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', SANDBOX_PORT: '0', [name]: value },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`${name}: `));
    expect(result.stdout).not.toMatch(/SANDBOX_READY/);
  });

  it('prints the profile in the ready line', async () => {
    const sandbox = await startSandboxProcess({ SANDBOX_PROFILE: 'friendly' });
    try {
      expect((sandbox as typeof sandbox & { profile?: string }).profile).toBe('friendly');
    } finally {
      await sandbox.stop();
    }
  });
});

describe('webhook control', () => {
  it('registers receivers at run time and sends hand-made webhooks for out-of-order tests', async () => {
    const receiver = await new WebhookReceiver().start();
    const sandbox = await startSandboxProcess();
    try {
      await sandbox.control('PUT', '/webhooks', { urls: [receiver.url] });
      const token = await requestToken(sandbox);
      const created = await sdkRequest<{ meta: { session_id: string } }>(
        sandbox,
        token,
        'POST',
        payoutQuery().path,
        verifiedPayoutBody('409.00'),
      );
      const sessionId = created.body.meta.session_id;
      await eventually(
        () => receiver.accepted(sessionId),
        (list) => list.some((w) => w.fields.transfer_state === 'blocked'),
        { what: 'the blocked webhook' },
      );
      // A stale "processing" after "blocked": what a late retry looks like to a receiver.
      await sandbox.control('POST', `/payouts/${sessionId}/webhook`, {
        fields: { transfer_state: 'processing', event: 'payment_session.transfer_state.processing' },
      });
      const all = await eventually(
        () => receiver.accepted(sessionId),
        (list) => list.length === 3,
        { what: 'the hand-made webhook' },
      );
      expect(all.map((w) => w.fields.transfer_state)).toEqual(['initiated', 'blocked', 'processing']);
      const deliveries = await sandbox.control<{ sessionId: string; outcome: string }[]>(
        'GET',
        '/webhooks/deliveries',
      );
      expect(deliveries.filter((d) => d.sessionId === sessionId).map((d) => d.outcome)).toEqual([
        'delivered',
        'delivered',
        'delivered',
      ]);
    } finally {
      await sandbox.stop();
      await receiver.stop();
    }
  });
});

import { sandboxConfigFromEnv, SandboxConfigError } from './config';
import { startSandbox } from './server';

/** `npm run sandbox`: runs the emulator and prints what a client needs to talk to it. */
async function main(): Promise<void> {
  const config = sandboxConfigFromEnv(process.env);
  const log = (line: string) =>
    process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), msg: line })}\n`);
  const sandbox = await startSandbox(config, log);
  const { credentials } = sandbox;
  const ready = {
    baseUrl: sandbox.baseUrl,
    appId: credentials.appId,
    appSecret: credentials.appSecret,
    privateKeyPath: credentials.privateKeyPath,
    publicKeyPath: credentials.publicKeyPath,
    signatures: config.settings.signatures,
    profile: config.settings.profile,
  };
  // One machine-readable line (tests and `npm start` parse it), then the same for people.
  process.stdout.write(`SANDBOX_READY ${JSON.stringify(ready)}\n`);
  process.stdout.write(
    [
      '',
      `Fintecture sandbox listening on ${sandbox.baseUrl}`,
      `  FINTECTURE_API_URL=${sandbox.baseUrl}`,
      `  FINTECTURE_APP_ID=${credentials.appId}`,
      `  FINTECTURE_APP_SECRET=${credentials.appSecret}`,
      `  FINTECTURE_PRIVATE_KEY=${credentials.privateKeyPath ?? '(the private key matching ' + credentials.publicKeyPath + ')'}`,
      `  profile: ${config.settings.profile}; signatures: ${config.settings.signatures}; webhooks: ${config.webhookUrls.join(', ') || 'none (PUT /_sandbox/webhooks)'}`,
      `  control API: ${sandbox.baseUrl}/_sandbox/info`,
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof SandboxConfigError ? error.message : String(error)}\n`);
  process.exit(1);
});

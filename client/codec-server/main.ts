import { type z } from 'zod';
import { loadPayloadKeys } from '../../common/codec-config';
import { ConfigError } from '../../common/config-error';
import { parseEnv } from '../../common/env-schema';
import { AesGcmPayloadCodec } from '../../common/payload-codec';
import { createCodecServer } from './server';
import { codecServerEnv } from './config';
import { createJsonLogger } from '../logger';

/** `npm run codec-server`: lets authorised operators read encrypted payloads in the Web UI and the CLI. */
async function main(): Promise<void> {
  const logger = createJsonLogger({ base: { service: 'codec-server' } });
  let settings: z.output<typeof codecServerEnv>;
  let keys;
  try {
    settings = parseEnv(codecServerEnv, process.env);
    keys = loadPayloadKeys(process.env);
    if (!keys)
      throw new ConfigError([{ variable: 'PAYLOAD_CODEC', message: 'is off: there is nothing to decode' }]);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  const server = createCodecServer({
    codec: new AesGcmPayloadCodec(keys),
    token: settings.CODEC_SERVER_TOKEN,
    allowedOrigin: settings.CODEC_SERVER_UI_ORIGIN,
    log: (event, fields) => logger.info(event, fields),
  });
  await new Promise<void>((resolve) =>
    server.listen(settings.CODEC_SERVER_PORT, settings.CODEC_SERVER_HOST, resolve),
  );
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : settings.CODEC_SERVER_PORT;
  process.stdout.write(
    `Codec server listening on http://${settings.CODEC_SERVER_HOST}:${port} (Web UI origin ${settings.CODEC_SERVER_UI_ORIGIN})\n`,
  );
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();

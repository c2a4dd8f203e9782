import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { load } from 'js-yaml';
import { FINTECTURE_ENV_KEYS, loadFintectureConfig } from '../../activities/fintecture/config';
import { INGRESS_ENV_KEYS, loadIngressConfig } from '../../client/config';
import { CODEC_SERVER_ENV_KEYS, codecServerEnv } from '../../client/codec-server/config';
import { CODEC_ENV_KEYS, loadPayloadKeys } from '../../common/codec-config';
import { loadTemporalConfig, temporalEnvShape } from '../../common/temporal-config';
import { TEST_CODEC_KEYS_FILE } from '../support/codec';
import { PAYOUT_SEARCH_ATTRIBUTES } from '../../domain/search-attributes';
import { payoutDynamicConfig } from '../../scripts/cluster/dynamic-config';
import { SANDBOX_ENV_KEYS, sandboxConfigFromEnv } from '../../sandbox/config';
import { workerEnvSchema } from '../../workers/worker-config';
import { WORKER_PROCESS_ENV_KEYS, workerProcessEnv } from '../../workers/process-env';

/**
 * docker-compose.yml cannot be run here (no Docker engine), so it is checked statically: well-formed, every
 * variable it sets is one the service reads, each service's configuration loads with the values compose
 * would give it, and the services point at each other consistently.
 */

interface Service {
  image?: string;
  build?: unknown;
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  secrets?: string[];
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
}
interface Compose {
  services: Record<string, Service & { configs?: { source: string; target: string }[] }>;
  secrets: Record<string, { file: string }>;
  configs: Record<string, { content: string }>;
}

const ROOT = path.resolve(__dirname, '../..');
const compose = load(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as Compose;

/**
 * The versions scripts/install-temporal-server.sh pins for `npm run cluster`: compose must run the same server
 * (and Web UI). Until that script exists, the server version it is specified to pin.
 */
const INSTALL_SCRIPT = path.join(ROOT, 'scripts/install-temporal-server.sh');
function pinned(): { server: string; ui: string | null } {
  if (!existsSync(INSTALL_SCRIPT)) return { server: '1.29.1', ui: null };
  const script = readFileSync(INSTALL_SCRIPT, 'utf8');
  const server = /^TEMPORAL_SERVER_VERSION=(\S+)$/m.exec(script)?.[1];
  if (!server) throw new Error(`${INSTALL_SCRIPT} has no TEMPORAL_SERVER_VERSION= line`);
  return { server, ui: /^TEMPORAL_UI_SERVER_VERSION=(\S+)$/m.exec(script)?.[1] ?? null };
}

/** `repo:tag` split at the tag. */
function imageOf(name: string): { repository: string; tag: string } {
  const image = compose.services[name]!.image!;
  const colon = image.lastIndexOf(':');
  return { repository: image.slice(0, colon), tag: image.slice(colon + 1) };
}

/** What a `sh -c` service runs, as the shell receives it (compose's `$$` unescaped, `\`-newlines joined). */
function scriptOf(name: string): string {
  const service = compose.services[name]!;
  expect(service.entrypoint).toEqual(['sh', '-c']);
  expect(service.command).toHaveLength(1);
  return interpolate(service.command![0]!, {}).replace(/\\\n\s*/g, ' ');
}

class MissingVariable extends Error {
  constructor(readonly variable: string) {
    super(`${variable} is required`);
    this.name = 'MissingVariable';
  }
}

/** Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?message}` interpolation, and `$$` for a literal `$`. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(
    /\$\$|\$\{(\w+)(?::([-?])([^}]*))?\}/g,
    (match, name?: string, op?: string, arg?: string) => {
      if (match === '$$') return '$';
      if (vars[name!] !== undefined && vars[name!] !== '') return vars[name!]!;
      if (op === '-') return arg ?? '';
      if (op === '?') throw new MissingVariable(name!);
      return '';
    },
  );
}

const pair = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const secretsDir = mkdtempSync(path.join(tmpdir(), 'compose-secrets-'));
writeFileSync(path.join(secretsDir, 'fintecture_private_key'), pair.privateKey);
writeFileSync(path.join(secretsDir, 'fintecture_public_key'), pair.publicKey);
writeFileSync(path.join(secretsDir, 'payload_codec_keys'), readFileSync(TEST_CODEC_KEYS_FILE));

const OPERATOR_VARS = {
  FINTECTURE_APP_ID: 'app-id-from-the-console',
  FINTECTURE_APP_SECRET: 'app-secret-from-the-console',
  INGRESS_API_KEY: 'a-long-enough-ingress-api-key',
  CODEC_SERVER_TOKEN: 'a-long-enough-codec-token',
  UI_PUBLIC_URL: 'https://temporal.example.com',
  UI_OIDC_ISSUER_URL: 'https://idp.example.com',
  UI_OIDC_CLIENT_ID: 'temporal-ui-client',
  UI_OIDC_CLIENT_SECRET: 'client-secret-from-the-idp',
  UI_COOKIE_SECRET: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY',
  UI_ALLOWED_EMAIL_DOMAINS: 'example.com',
};

/** The settings behind the Web UI's login: each has no default, so compose refuses to start without it. */
const UI_AUTH_VARS = [
  'UI_PUBLIC_URL',
  'UI_OIDC_ISSUER_URL',
  'UI_OIDC_CLIENT_ID',
  'UI_OIDC_CLIENT_SECRET',
  'UI_COOKIE_SECRET',
  'UI_ALLOWED_EMAIL_DOMAINS',
];

/** The environment compose gives a service, with `/run/secrets/x` pointing at a local file. */
function environmentOf(name: string, vars: Record<string, string> = OPERATOR_VARS): Record<string, string> {
  const service = compose.services[name]!;
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([key, value]) => {
      const resolved = interpolate(String(value), vars);
      return [key, resolved.replace(/^\/run\/secrets\//, `${secretsDir}/`)];
    }),
  );
}

describe('docker-compose.yml', () => {
  it('describes the production-like topology', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [
        'codec-server',
        'ingress',
        'postgresql',
        'sandbox',
        'temporal',
        'temporal-schema',
        'temporal-namespace',
        'temporal-ui',
        'ui-auth-proxy',
        'worker',
      ].sort(),
    );
    expect(compose.services.sandbox?.profiles).toEqual(['sandbox']);
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.image)
        expect({ name, image: service.image }).toEqual({
          name,
          image: expect.stringMatching(/:v?\d[\w.-]*$/),
        });
      else expect({ name, build: service.build }).toEqual({ name, build: '.' });
      for (const dependency of Object.keys(service.depends_on ?? {}))
        expect(Object.keys(compose.services)).toContain(dependency);
      for (const secret of service.secrets ?? []) expect(Object.keys(compose.secrets)).toContain(secret);
      for (const config of service.configs ?? [])
        expect(Object.keys(compose.configs)).toContain(config.source);
    }
  });

  it.each([
    [
      'worker',
      [
        ...Object.keys(temporalEnvShape),
        ...FINTECTURE_ENV_KEYS,
        ...Object.keys(workerEnvSchema.shape),
        ...CODEC_ENV_KEYS,
        ...WORKER_PROCESS_ENV_KEYS,
      ],
    ],
    ['codec-server', CODEC_SERVER_ENV_KEYS],
    ['ingress', INGRESS_ENV_KEYS],
    ['sandbox', SANDBOX_ENV_KEYS],
  ])('sets for %s only variables it reads', (name, known) => {
    const unknown = Object.keys(compose.services[name]!.environment ?? {}).filter(
      (key) => !known.includes(key),
    );
    expect(unknown).toEqual([]);
  });

  it('gives each service a configuration that loads', () => {
    const worker = environmentOf('worker');
    expect(loadTemporalConfig(worker).address).toBe('temporal:7233');
    expect(loadFintectureConfig(worker).appId).toBe(OPERATOR_VARS.FINTECTURE_APP_ID);
    expect(workerEnvSchema.parse(worker).WORKFLOW_BUNDLE_PATH).toBe('/app/dist/workflow-bundle.js');
    // The worker's process environment is the one `npm start` gives it (workers/process-env.ts).
    expect(worker).toMatchObject(workerProcessEnv({}));
    expect(loadPayloadKeys(worker)?.keys.size).toBeGreaterThan(0);
    const codecServer = environmentOf('codec-server');
    expect(codecServerEnv.parse(codecServer).CODEC_SERVER_PORT).toBe(8888);
    expect(loadPayloadKeys(codecServer)?.currentKeyId).toBe(loadPayloadKeys(worker)?.currentKeyId);

    const ingress = loadIngressConfig(environmentOf('ingress'));
    expect(ingress).toMatchObject({ host: '0.0.0.0', port: 4000, temporal: { address: 'temporal:7233' } });
    expect(ingress.payloadKeys).not.toBeNull();

    const sandbox = sandboxConfigFromEnv(environmentOf('sandbox'));
    expect(sandbox).toMatchObject({ host: '0.0.0.0', port: 4010, appId: OPERATOR_VARS.FINTECTURE_APP_ID });
  });

  it('wires the services to each other consistently', () => {
    const worker = environmentOf('worker');
    const ingress = environmentOf('ingress');
    const sandbox = environmentOf('sandbox');
    expect(worker.TEMPORAL_TASK_QUEUE).toBe(ingress.TEMPORAL_TASK_QUEUE);
    expect(worker.TEMPORAL_NAMESPACE).toBe(ingress.TEMPORAL_NAMESPACE);
    // The frontend has no authorizer: the host's CLI reaches it on loopback, nobody else.
    expect(compose.services.temporal!.ports).toEqual(['127.0.0.1:7233:7233']);
    expect(compose.services.ingress!.ports).toContain(`${ingress.INGRESS_PORT}:${ingress.INGRESS_PORT}`);
    // Fintecture (the sandbox here) posts webhooks to the ingress service, on its port and route.
    expect(new URL(sandbox.SANDBOX_WEBHOOK_URL!)).toMatchObject({
      hostname: 'ingress',
      port: ingress.INGRESS_PORT,
      pathname: '/webhooks/fintecture',
    });
    // One application: the worker signs as it, the ingress checks webhooks for it, the sandbox knows it.
    expect(new Set([worker.FINTECTURE_APP_ID, ingress.FINTECTURE_APP_ID, sandbox.SANDBOX_APP_ID]).size).toBe(
      1,
    );
    expect(worker.PUBLIC_BASE_URL).toBe(ingress.PUBLIC_BASE_URL);
    // The Web UI calls the codec server on its own origin, through the proxy, without the token; the codec
    // server accepts browsers from that origin only.
    const ui = environmentOf('temporal-ui');
    const codec = environmentOf('codec-server');
    expect(ui.TEMPORAL_CODEC_ENDPOINT).toBe(`${OPERATOR_VARS.UI_PUBLIC_URL}/codec`);
    expect(codec.CODEC_SERVER_UI_ORIGIN).toBe(OPERATOR_VARS.UI_PUBLIC_URL);
    expect(ui.TEMPORAL_CORS_ORIGINS).toBe(OPERATOR_VARS.UI_PUBLIC_URL);
    const upstreams = proxyConfig().upstreamConfig.upstreams;
    expect(upstreams.find((u) => u.id === 'codec-server')?.uri).toBe(
      `http://codec-server:${codec.CODEC_SERVER_PORT}`,
    );
    expect(upstreams.find((u) => u.id === 'temporal-ui')?.uri).toBe(
      `http://temporal-ui:${ui.TEMPORAL_UI_PORT ?? '8080'}`,
    );
    expect(
      environmentOf('worker', { ...OPERATOR_VARS, FINTECTURE_API_URL: 'http://sandbox:4010' })
        .FINTECTURE_API_URL,
    ).toBe('http://sandbox:4010');
  });

  it('refuses to start without the credentials an operator must give, naming them', () => {
    for (const variable of Object.keys(OPERATOR_VARS)) {
      const vars: Record<string, string> = { ...OPERATOR_VARS, [variable]: '' };
      const services = [
        'worker',
        'ingress',
        'sandbox',
        'codec-server',
        'temporal-ui',
        'ui-auth-proxy',
      ].filter((name) => JSON.stringify(compose.services[name]!.environment).includes(`\${${variable}:?`));
      expect(services.length).toBeGreaterThan(0);
      for (const name of services)
        expect(() => environmentOf(name, vars)).toThrow(new MissingVariable(variable));
    }
  });
});

/**
 * The variables the `temporalio/server` image renders its configuration from (server v1.29.1 module:
 * docker/config_template.yaml, which the image's entrypoint renders, and config/docker.yaml, the same names in
 * later builds of the image).
 */
const SERVER_IMAGE_ENV_KEYS = [
  'DB',
  'DB_PORT',
  'POSTGRES_USER',
  'POSTGRES_PWD',
  'POSTGRES_SEEDS',
  'DBNAME',
  'VISIBILITY_DBNAME',
  'NUM_HISTORY_SHARDS',
  'BIND_ON_IP',
  'DYNAMIC_CONFIG_FILE_PATH',
];
/** Where admin-tools holds the schemas (admin-tools.Dockerfile: `COPY ./temporal/schema /etc/temporal/schema`). */
const SCHEMA_ROOT = '/etc/temporal/schema/postgresql/v12';

describe('docker-compose.yml: Temporal without auto-setup', () => {
  const adminTools = ['temporal-schema', 'temporal-namespace'];

  it('runs the server version scripts/install-temporal-server.sh pins: plain server image and admin-tools', () => {
    const { server, ui } = pinned();
    for (const [name, service] of Object.entries(compose.services))
      expect({ name, image: service.image ?? '' }).not.toEqual({
        name,
        image: expect.stringContaining('auto-setup'),
      });
    expect(imageOf('temporal')).toEqual({ repository: 'temporalio/server', tag: server });
    // Admin-tools is tagged `<server>` or, up to 1.30, `<server>-tctl-<x.y.z>-cli-<x.y.z>` (the CLIs it holds).
    expect(
      Object.keys(compose.services).filter((name) =>
        compose.services[name]!.image?.startsWith('temporalio/admin-tools:'),
      ),
    ).toEqual(adminTools);
    for (const name of adminTools) {
      const { tag } = imageOf(name);
      expect({ name, server: /^(\d+\.\d+\.\d+)(?:-tctl-[\d.]+-cli-[\d.]+)?$/.exec(tag)?.[1] }).toEqual({
        name,
        server,
      });
    }
    expect(new Set(adminTools.map((name) => compose.services[name]!.image)).size).toBe(1);
    if (ui) expect(imageOf('temporal-ui')).toEqual({ repository: 'temporalio/ui', tag: ui });
  });

  it('creates and migrates both databases with the SQL tool, and starts the server only once that succeeded', () => {
    const server = compose.services.temporal!;
    const env = server.environment!;
    const postgres = compose.services.postgresql!.environment!;
    expect(env).toMatchObject({
      DB: 'postgres12',
      DB_PORT: '5432',
      POSTGRES_SEEDS: 'postgresql',
      POSTGRES_USER: postgres.POSTGRES_USER,
      POSTGRES_PWD: postgres.POSTGRES_PASSWORD,
    });
    expect(Number(env.NUM_HISTORY_SHARDS)).toBeGreaterThanOrEqual(4);
    expect(Object.keys(env).filter((key) => !SERVER_IMAGE_ENV_KEYS.includes(key))).toEqual([]);
    expect(server.depends_on?.['temporal-schema']).toEqual({ condition: 'service_completed_successfully' });

    const job = compose.services['temporal-schema']!;
    expect(job.depends_on?.postgresql).toEqual({ condition: 'service_healthy' });
    expect(job.environment?.SQL_PASSWORD).toBe(postgres.POSTGRES_PASSWORD);
    const script = scriptOf('temporal-schema');
    expect(script).toMatch(/^set -eu$/m);
    const calls = [...script.matchAll(/^temporal-sql-tool (.*)$/gm)].map((m) => m[1]!);
    for (const call of calls)
      expect(call).toMatch(
        new RegExp(
          `^--plugin postgres12 --ep ${env.POSTGRES_SEEDS} -p ${env.DB_PORT} -u ${env.POSTGRES_USER} `,
        ),
      );
    const steps = calls.map((call) => /--db (\S+) (.*)$/.exec(call)?.slice(1));
    const database = (name: string, schema: string) => [
      [name, 'create-database'],
      [name, 'setup-schema -v 0.0'],
      [name, `update-schema -d ${SCHEMA_ROOT}/${schema}/versioned`],
    ];
    expect(steps).toEqual([
      ...database(env.DBNAME ?? 'temporal', 'temporal'),
      ...database(env.VISIBILITY_DBNAME ?? 'temporal_visibility', 'visibility'),
    ]);
  });

  it('creates the namespace and registers exactly the payout search attributes before workers and ingresses start', () => {
    const worker = environmentOf('worker');
    const job = compose.services['temporal-namespace']!;
    expect(job.depends_on?.temporal).toEqual({ condition: 'service_healthy' });
    for (const name of ['worker', 'ingress'])
      expect(compose.services[name]!.depends_on?.['temporal-namespace']).toEqual({
        condition: 'service_completed_successfully',
      });

    const script = scriptOf('temporal-namespace');
    expect(script).toMatch(/^set -eu$/m);
    expect(/^address=(\S+)$/m.exec(script)?.[1]).toBe(worker.TEMPORAL_ADDRESS);
    const ns = `--address \\$address --namespace ${worker.TEMPORAL_NAMESPACE}`;
    // Waits for the server, then creates the namespace only when describing it fails, with a retention.
    expect(script).toMatch(/^retry sh -c "temporal operator cluster health .*grep -q SERVING"$/m);
    expect(script).toMatch(
      new RegExp(
        `^temporal operator namespace describe ${ns} >/dev/null 2>&1 \\|\\|\\s+temporal operator namespace create ${ns} --retention \\d+[dh]$`,
        'm',
      ),
    );
    const creates = [...script.matchAll(/^temporal operator search-attribute create (.*)$/gm)].map(
      (m) => m[1]!,
    );
    expect(creates).toHaveLength(1);
    expect(creates[0]).toMatch(new RegExp(`^${ns} `));
    const registered = Object.fromEntries(
      [...creates[0]!.matchAll(/--name (\S+) --type (\S+)/g)].map((m) => [m[1]!, m[2]!]),
    );
    expect(registered).toEqual(PAYOUT_SEARCH_ATTRIBUTES);
    // Done only once the frontend accepts a query on every one of them.
    const query = /^retry temporal workflow count .* --query "(.*)"$/m.exec(script)?.[1];
    expect(query?.match(/\w+(?= = '')/g)?.sort()).toEqual(Object.keys(PAYOUT_SEARCH_ATTRIBUTES).sort());
  });

  it("gives the server our dynamic config: the workers' read queue on one partition, as the cluster harness does", () => {
    const server = compose.services.temporal!;
    const mounted = server.configs?.find(
      (config) => config.target === server.environment!.DYNAMIC_CONFIG_FILE_PATH,
    );
    expect(mounted).toBeDefined();
    const given = load(compose.configs[mounted!.source]!.content);
    // The queue the workers poll, whatever compose names it: a renamed queue must be renamed here too.
    expect(given).toEqual(payoutDynamicConfig([environmentOf('worker').TEMPORAL_TASK_QUEUE!]));
    expect(given).toHaveProperty(
      ['matching.numTaskqueueReadPartitions', 0, 'constraints', 'taskQueueName'],
      'payouts-fintecture-reads',
    );
  });
});

interface ProxyUpstream {
  id: string;
  path: string;
  rewriteTarget?: string;
  uri: string;
}
interface ProxyConfig {
  server: { bindAddress: string };
  providers: {
    provider: string;
    clientID: string;
    clientSecret: string;
    oidcConfig: { issuerURL: string };
  }[];
  upstreamConfig: { upstreams: ProxyUpstream[] };
  injectRequestHeaders?: unknown[];
}

/** The alpha configuration as oauth2-proxy reads it: compose's `$$` unescaped, then its own `${VAR}` filled. */
function proxyConfig(vars: Record<string, string> = OPERATOR_VARS): ProxyConfig {
  const service = compose.services['ui-auth-proxy']!;
  const file = interpolate(compose.configs[service.configs![0]!.source]!.content, vars);
  const env = environmentOf('ui-auth-proxy', vars);
  return load(file.replace(/\$\{(\w+)\}/g, (_m, name: string) => env[name] ?? '')) as ProxyConfig;
}

describe('docker-compose.yml: the Web UI behind authentication', () => {
  const proxy = compose.services['ui-auth-proxy']!;

  it('lets nobody reach the Web UI or the codec server but through the OpenID Connect proxy', () => {
    expect(compose.services['temporal-ui']!.ports).toBeUndefined();
    expect(compose.services['codec-server']!.ports).toBeUndefined();
    expect(proxy.image).toMatch(/^quay\.io\/oauth2-proxy\/oauth2-proxy:v\d/);
    expect(proxy.ports).toEqual(['8233:4180']);
    expect(proxy.command).toEqual([`--alpha-config=${proxy.configs![0]!.target}`]);
    const config = proxyConfig();
    expect(config.server.bindAddress).toBe('0.0.0.0:4180');
    expect(config.providers).toEqual([
      expect.objectContaining({
        provider: 'oidc',
        clientID: OPERATOR_VARS.UI_OIDC_CLIENT_ID,
        clientSecret: OPERATOR_VARS.UI_OIDC_CLIENT_SECRET,
        oidcConfig: expect.objectContaining({ issuerURL: OPERATOR_VARS.UI_OIDC_ISSUER_URL }),
      }),
    ]);
    const env = environmentOf('ui-auth-proxy');
    expect(env).toMatchObject({
      OAUTH2_PROXY_REDIRECT_URL: `${OPERATOR_VARS.UI_PUBLIC_URL}/oauth2/callback`,
      OAUTH2_PROXY_COOKIE_SECRET: OPERATOR_VARS.UI_COOKIE_SECRET,
      OAUTH2_PROXY_EMAIL_DOMAINS: OPERATOR_VARS.UI_ALLOWED_EMAIL_DOMAINS,
    });
    // Nothing that would let a request through unauthenticated.
    expect(Object.keys(env).filter((key) => /SKIP_AUTH|SKIP_JWT|COOKIE_SECURE|INSECURE/.test(key))).toEqual(
      [],
    );
    expect(JSON.stringify(config)).not.toMatch(/insecure\w*":true|skipAuth|"static":true/i);
  });

  it('adds the codec token on the server side: the Web UI and the browser never see it', () => {
    const { upstreams } = proxyConfig().upstreamConfig;
    expect(upstreams).toEqual([
      expect.objectContaining({
        id: 'codec-server',
        path: '^/codec/(.*)$',
        rewriteTarget: `/${OPERATOR_VARS.CODEC_SERVER_TOKEN}/$1`,
      }),
      expect.objectContaining({ id: 'temporal-ui', path: '/' }),
    ]);
    // No header injection: the Web UI gets no Authorization header, the codec server none to prefer over the path.
    expect(proxyConfig().injectRequestHeaders).toBeUndefined();
    const ui = environmentOf('temporal-ui');
    expect(JSON.stringify(ui)).not.toContain(OPERATOR_VARS.CODEC_SERVER_TOKEN);
    expect(ui.TEMPORAL_CODEC_PASS_ACCESS_TOKEN).toBeUndefined();
    // The codec endpoint the UI hands out and the login callback are on the proxy's origin.
    expect(new URL(ui.TEMPORAL_CODEC_ENDPOINT!).origin).toBe(
      new URL(environmentOf('ui-auth-proxy').OAUTH2_PROXY_REDIRECT_URL!).origin,
    );
  });

  it('has no default for any login setting, and refuses to start without one, naming it', () => {
    const raw = JSON.stringify(proxy.environment);
    for (const variable of UI_AUTH_VARS) {
      expect(raw).toContain(`\${${variable}:?`);
      expect(raw).not.toContain(`\${${variable}:-`);
      expect(() => environmentOf('ui-auth-proxy', { ...OPERATOR_VARS, [variable]: '' })).toThrow(
        new MissingVariable(variable),
      );
    }
    // Every ${VAR} the alpha configuration reads is one compose requires of the operator.
    const content = compose.configs['ui-auth-proxy']!.content;
    const read = [...content.matchAll(/\$\$\{(\w+)\}/g)].map((m) => m[1]!);
    expect(read.sort()).toEqual(
      ['CODEC_SERVER_TOKEN', 'UI_OIDC_CLIENT_ID', 'UI_OIDC_CLIENT_SECRET', 'UI_OIDC_ISSUER_URL'].sort(),
    );
    for (const name of read) expect(proxy.environment?.[name]).toBe(`\${${name}:?set ${name}}`);
    for (const key of Object.keys(proxy.environment ?? {}))
      expect({ key, read: key.startsWith('OAUTH2_PROXY_') || read.includes(key) }).toEqual({
        key,
        read: true,
      });
  });
});

import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
import { SANDBOX_ENV_KEYS, sandboxConfigFromEnv } from '../../sandbox/config';
import { workerEnvSchema } from '../../workers/worker-config';

/**
 * docker-compose.yml cannot be run here (no Docker engine), so it is checked statically: well-formed, every
 * variable it sets is one the service reads, each service's configuration loads with the values compose
 * would give it, and the services point at each other consistently.
 */

interface Service {
  image?: string;
  build?: unknown;
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
        'temporal-search-attributes',
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

  it('registers exactly the payout search attributes, as Keyword', () => {
    const script = compose.services['temporal-search-attributes']!.command!.join(' ');
    const names = /for name in ([\w ]+); do/.exec(script)?.[1]?.trim().split(/\s+/);
    expect(names?.sort()).toEqual(Object.keys(PAYOUT_SEARCH_ATTRIBUTES).sort());
    expect(script).toContain('--type Keyword');
  });

  it.each([
    [
      'worker',
      [
        ...Object.keys(temporalEnvShape),
        ...FINTECTURE_ENV_KEYS,
        ...Object.keys(workerEnvSchema.shape),
        ...CODEC_ENV_KEYS,
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

import { createJsonLogger, errorFields, type JsonLoggerOptions, type LogFields } from '../../client/logger';
import { logFiles } from '../support/log-file';

/** The ingress and codec-server logger, writing through a real pino destination (a file, synchronously). */

const logFile = logFiles('client-logger-');
const loggerToFile = (options: Omit<JsonLoggerOptions, 'destination'> = {}) =>
  logFile((destination) => createJsonLogger({ ...options, destination }));

it('writes one JSON line per event: level label, ISO time, the base fields and `event`', () => {
  const { logger, lines } = loggerToFile({ base: { service: 'ingress' } });
  logger.info('ingress_listening', { url: 'http://127.0.0.1:3000', port: 3000, skipped: undefined });
  logger.warn('rate_limited', { requestId: 'r-1', route: '/payouts' });
  logger.error('request_failed', { requestId: 'r-2', ...errorFields(new TypeError('boom')) });
  expect(lines()).toEqual([
    {
      level: 'info',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      service: 'ingress',
      event: 'ingress_listening',
      url: 'http://127.0.0.1:3000',
      port: 3000,
    },
    expect.objectContaining({ level: 'warn', event: 'rate_limited', requestId: 'r-1', route: '/payouts' }),
    expect.objectContaining({
      level: 'error',
      event: 'request_failed',
      error: 'TypeError',
      errorMessage: 'boom',
    }),
  ]);
});

it('keeps the substring the process tests grep for', () => {
  const { logger, text } = loggerToFile();
  logger.info('ingress_stopping', { signal: 'SIGTERM' });
  expect(text()).toContain('"event":"ingress_stopping"');
});

it('writes nothing below the configured level', () => {
  const { logger, lines } = loggerToFile({ level: 'warn' });
  logger.info('http_request', { requestId: 'r-1' });
  logger.warn('temporal_unavailable', { requestId: 'r-2' });
  logger.error('request_failed', { requestId: 'r-3' });
  expect(lines().map((line) => [line.level, line.event])).toEqual([
    ['warn', 'temporal_unavailable'],
    ['error', 'request_failed'],
  ]);
});

describe('redaction, should personal data or a secret reach a log call', () => {
  const personal = {
    iban: 'FR1420041010050500013M02606',
    bic: 'PSSTFRPPXXX',
    email: 'john@doe.example',
    phone: '+33601020304',
    name: 'John Doe',
    bearer: 'Bearer ingress-key-0123456789abcdef',
    secret: 'app-secret-0123456789',
    token: 'access-token-0123456789',
  };

  it('censors them at the top level and in nested objects, keeping the rest', () => {
    const { logger, text, lines } = loggerToFile();
    logger.warn('leak_attempt', {
      requestId: 'r-1',
      iban: personal.iban,
      email: personal.email,
      authorization: personal.bearer,
    });
    // LogFields are flat; a careless caller could still pass objects (a body, a request).
    logger.error('leak_attempt', {
      requestId: 'r-2',
      payee: { name: personal.name, email: personal.email, phone: personal.phone },
      beneficiary: { name: personal.name, iban: personal.iban, bic: personal.bic },
      headers: { authorization: personal.bearer, 'x-request-id': 'r-2' },
      config: { appSecret: personal.secret, accessToken: personal.token },
    } as unknown as LogFields);
    const written = text();
    for (const value of Object.values(personal)) expect(written).not.toContain(value);
    expect(lines()).toEqual([
      expect.objectContaining({
        requestId: 'r-1',
        iban: '[redacted]',
        email: '[redacted]',
        authorization: '[redacted]',
      }),
      expect.objectContaining({
        requestId: 'r-2',
        payee: { name: '[redacted]', email: '[redacted]', phone: '[redacted]' },
        beneficiary: { name: '[redacted]', iban: '[redacted]', bic: '[redacted]' },
        headers: { authorization: '[redacted]', 'x-request-id': 'r-2' },
        config: { appSecret: '[redacted]', accessToken: '[redacted]' },
      }),
    ]);
  });
});

import { sandboxConfigFromEnv, SandboxConfigError } from '../../sandbox/config';
import {
  headerListsFor,
  parseSignedHeaderList,
  SignedHeaderListError,
} from '../../sandbox/webhook-header-lists';

describe('sandboxConfigFromEnv', () => {
  it('defaults to the documented profile, pages of 10 and rotating webhook header lists', () => {
    expect(sandboxConfigFromEnv({}).settings).toMatchObject({
      profile: 'documented',
      listPageSize: 10,
      webhookSignedHeaders: 'rotate',
      listFilters: 'honoured',
    });
  });

  it('reads SANDBOX_PROFILE, SANDBOX_LIST_PAGE_SIZE and SANDBOX_WEBHOOK_SIGNED_HEADERS', () => {
    const settings = sandboxConfigFromEnv({
      SANDBOX_PROFILE: 'friendly',
      SANDBOX_LIST_PAGE_SIZE: '25',
      SANDBOX_WEBHOOK_SIGNED_HEADERS: '(request-target) date digest',
    }).settings;
    expect(settings).toMatchObject({
      profile: 'friendly',
      listPageSize: 25,
      webhookSignedHeaders: '(request-target) date digest',
    });
  });

  it.each([
    ['SANDBOX_PROFILE', 'strict'],
    ['SANDBOX_LIST_PAGE_SIZE', '0'],
    ['SANDBOX_LIST_PAGE_SIZE', '101'],
    ['SANDBOX_WEBHOOK_SIGNED_HEADERS', 'date host'],
    ['SANDBOX_WEBHOOK_SIGNED_HEADERS', 'date date'],
  ])('refuses %s=%s with an error naming the setting', (name, value) => {
    expect(() => sandboxConfigFromEnv({ [name]: value })).toThrow(SandboxConfigError);
    expect(() => sandboxConfigFromEnv({ [name]: value })).toThrow(new RegExp(`${name}:`));
  });
});

describe('webhook header lists', () => {
  it('parses an explicit list in its order, lower-cased', () => {
    expect(parseSignedHeaderList(' Date  (request-target) digest ')).toEqual([
      'date',
      '(request-target)',
      'digest',
    ]);
    expect(() => parseSignedHeaderList('')).toThrow(SignedHeaderListError);
  });

  it('rotates three lists when documented, sends the guide’s when friendly, and a forced list in both', () => {
    expect(headerListsFor('rotate', 'documented').map((list) => list.join(' '))).toEqual([
      'date digest x-request-id',
      '(request-target) date digest x-request-id',
      'date digest',
    ]);
    expect(headerListsFor('rotate', 'friendly')).toEqual([['date', 'digest', 'x-request-id']]);
    expect(headerListsFor('date digest', 'friendly')).toEqual([['date', 'digest']]);
    expect(headerListsFor('date digest', 'documented')).toEqual([['date', 'digest']]);
  });
});

import { TokenProvider, type TokenFetcher } from '../../activities/fintecture/token-provider';
import { RecordingLogger } from './harness';

function controllableFetcher() {
  const pending: {
    resolve: (token: { accessToken: string; expiresInSeconds: number }) => void;
    reject: (e: Error) => void;
  }[] = [];
  const fetchToken: TokenFetcher = () => new Promise((resolve, reject) => pending.push({ resolve, reject }));
  return { fetchToken, pending };
}

describe('the token provider (unit)', () => {
  it('shares one renewal between concurrent callers, and a caller that gives up does not cancel it', async () => {
    const { fetchToken, pending } = controllableFetcher();
    const provider = new TokenProvider({
      fetchToken,
      clock: { now: () => 0 },
      refreshMarginMs: 0,
      logger: new RecordingLogger(),
    });
    const impatient = new AbortController();
    const givenUp = provider.getToken(impatient.signal);
    const waiting = Array.from({ length: 10 }, () => provider.getToken());
    impatient.abort(new Error('cancelled'));
    await expect(givenUp).rejects.toThrow('cancelled');
    expect(pending).toHaveLength(1);
    pending[0]!.resolve({ accessToken: 'T1', expiresInSeconds: 60 });
    const tokens = await Promise.all(waiting);
    expect(new Set(tokens.map((t) => t.value.reveal()))).toEqual(new Set(['T1']));
  });

  it('lets the next caller retry after a failed renewal', async () => {
    const { fetchToken, pending } = controllableFetcher();
    const provider = new TokenProvider({
      fetchToken,
      clock: { now: () => 0 },
      refreshMarginMs: 0,
      logger: new RecordingLogger(),
    });
    const first = provider.getToken();
    pending[0]!.reject(new Error('down'));
    await expect(first).rejects.toThrow('down');
    const second = provider.getToken();
    pending[1]!.resolve({ accessToken: 'T2', expiresInSeconds: 60 });
    expect((await second).value.reveal()).toBe('T2');
  });

  it('renews at the margin, or at half-life for short tokens', async () => {
    let now = 1_000_000;
    let issued = 0;
    const provider = new TokenProvider({
      fetchToken: async () => ({ accessToken: `T${++issued}`, expiresInSeconds: 100 }),
      clock: { now: () => now },
      refreshMarginMs: 300_000,
      logger: new RecordingLogger(),
    });
    expect((await provider.getToken()).expiresAt).toBe(1_000_000 + 100_000);
    now += 49_999;
    expect((await provider.getToken()).value.reveal()).toBe('T1');
    now += 1;
    expect((await provider.getToken()).value.reveal()).toBe('T2');
  });

  it('drops a rejected token only once, however many calls report it', async () => {
    let issued = 0;
    const provider = new TokenProvider({
      fetchToken: async () => ({ accessToken: `T${++issued}`, expiresInSeconds: 3600 }),
      clock: { now: () => 0 },
      refreshMarginMs: 0,
      logger: new RecordingLogger(),
    });
    const old = await provider.getToken();
    provider.invalidate(old);
    const renewed = await provider.getToken();
    provider.invalidate(old);
    expect((await provider.getToken()).value.reveal()).toBe(renewed.value.reveal());
    expect(issued).toBe(2);
  });
});

import { FintectureRateLimitedError } from '../../activities/fintecture/errors';
import { DEFAULT_READ_BACKOFF_MS, ReadBackoff } from '../../activities/read-backoff';

const limited = (retryAfterMs?: number) =>
  new FintectureRateLimitedError({ operation: 'fetch', httpStatus: 429 }, retryAfterMs);

describe('a 429 slows this worker’s reads down (unit)', () => {
  it('holds every read back until Retry-After has passed, without sending it, then reads again', async () => {
    let now = 1_000_000;
    const backoff = new ReadBackoff(() => now);
    let sent = 0;
    const read = async () => {
      sent += 1;
      if (sent === 1) throw limited(5_000);
      return 'read';
    };
    await expect(backoff.read(read)).rejects.toBeInstanceOf(FintectureRateLimitedError);
    now += 2_000;
    const held = backoff.read(read);
    await expect(held).rejects.toMatchObject({ retryDelayMs: 3_000, failureType: 'FintectureRateLimited' });
    expect(sent).toBe(1);
    now += 3_000;
    await expect(backoff.read(read)).resolves.toBe('read');
    expect(sent).toBe(2);
  });

  it('without Retry-After holds reads for the default, and other failures hold nothing', async () => {
    let now = 0;
    const backoff = new ReadBackoff(() => now);
    await expect(
      backoff.read(async () => {
        throw new Error('network');
      }),
    ).rejects.toThrow('network');
    await expect(backoff.read(async () => 'ok')).resolves.toBe('ok');
    await expect(
      backoff.read(async () => {
        throw limited();
      }),
    ).rejects.toBeInstanceOf(FintectureRateLimitedError);
    now += DEFAULT_READ_BACKOFF_MS - 1;
    await expect(backoff.read(async () => 'ok')).rejects.toMatchObject({ retryDelayMs: 1 });
    now += 1;
    await expect(backoff.read(async () => 'ok')).resolves.toBe('ok');
  });
});

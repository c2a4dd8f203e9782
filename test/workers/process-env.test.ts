import { workerProcessEnv } from '../../workers/process-env';

describe('workerProcessEnv', () => {
  it('starts a worker with two malloc arenas', () => {
    expect(workerProcessEnv({})).toEqual({ MALLOC_ARENA_MAX: '2' });
  });

  it('keeps a value the operator set', () => {
    expect(workerProcessEnv({ MALLOC_ARENA_MAX: '4' })).toEqual({ MALLOC_ARENA_MAX: '4' });
  });
});

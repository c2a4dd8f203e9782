/**
 * Environment a payout worker process is started with (the supervisor of `npm start`, the bench). glibc
 * gives each thread that allocates its own malloc arena (up to 8 per core); the SDK's Rust core runs many
 * threads, and their arenas keep freed memory as RSS. Two arenas cut the worker's RSS (about 11 % in an
 * earlier 10 000-open probe) at no measurable CPU cost. Read by glibc at process start: it must be in the
 * environment the process is spawned with, so docker-compose.yml sets it too. A value already set wins.
 */
export function workerProcessEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX ?? '2' };
}

/** The variables `workerProcessEnv` sets: read by the C library, not by our config. */
export const WORKER_PROCESS_ENV_KEYS = Object.keys(workerProcessEnv({}));

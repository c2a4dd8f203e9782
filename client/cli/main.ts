import { runCli } from './commands';

/** Entry point: `npm run payouts -- <command> …` (see USAGE in cli-commands.ts). */
runCli(process.argv.slice(2), {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.stderr.write('payouts: unexpected failure\n');
    process.exitCode = 1;
  },
);

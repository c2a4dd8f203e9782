/** A setting is missing or malformed: names every variable at fault, never their values (they may be secrets). */
export class ConfigError extends Error {
  /** The environment variables at fault. */
  readonly variables: string[];

  constructor(problems: { variable: string; message: string }[]) {
    super(`Invalid configuration: ${problems.map((p) => `${p.variable} ${p.message}`).join('; ')}`);
    this.name = 'ConfigError';
    this.variables = [...new Set(problems.map((p) => p.variable))];
  }
}

/**
 * Thrown by {@link loadConfig} when the configuration cannot be used. Every problem found is in
 * `problems` (each `<dotted path>: <what is wrong>`), so an operator fixes them all in one go.
 */
export class ConfigError extends Error {
  readonly code = 'config_invalid' as const;
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

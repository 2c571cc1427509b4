/**
 * Coded configuration errors. README's "Errors" table lists every code; a test keeps them in step.
 */
export const CONFIG_ERRORS = {
  VIGIL_ERR_CONFIG_READ: 'the config file cannot be read',
  VIGIL_ERR_CONFIG_YAML: 'the config file is not valid YAML',
  VIGIL_ERR_CONFIG_INVALID: 'a config key has an invalid value',
  VIGIL_ERR_CONFIG_ENV: 'an environment variable has an invalid value',
  VIGIL_ERR_SINK_UNKNOWN: 'sinks.<name> names no known sink',
  VIGIL_ERR_WEBHOOK_UNAUTHENTICATED: 'a webhook route without auth would listen on a non-loopback address',
} as const;

export type ConfigErrorCode = keyof typeof CONFIG_ERRORS;

export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  /** One line per problem, each naming the key (`listen.http_port: ...`). */
  readonly problems: string[];

  constructor(code: ConfigErrorCode, problems: string[]) {
    super(`${code}: ${CONFIG_ERRORS[code]}\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.code = code;
    this.problems = problems;
  }
}

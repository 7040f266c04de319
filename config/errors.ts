import { LifelineError } from '../engine/errors.js';

export interface ConfigIssue {
  /** Dotted key, e.g. `api.port`. */
  key: string;
  /** Where the value came from: an environment variable name, the file path, or 'default'. */
  origin: string;
  value: unknown;
  expected: string;
}

/** Start-up stops with every bad value listed together. */
export class ConfigError extends LifelineError {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[], cause?: unknown) {
    const lines = issues.map((i) => `  - ${i.key} = ${JSON.stringify(i.value)} (from ${i.origin}): expected ${i.expected}`);
    super('LIFELINE_ERR_CONFIG_INVALID', `invalid configuration:\n${lines.join('\n')}`, { cause, details: { issues } });
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

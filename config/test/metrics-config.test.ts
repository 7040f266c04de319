/** `metrics.*`: by default /metrics stays where it was (API port, no token); env and file can move or lock it. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../index.js';

describe('metrics configuration', () => {
  it('defaults to the API port without a token', () => {
    const c = loadConfig({ env: {} });
    expect(c.metrics).toEqual({});
  });

  it('reads token, host and port from the environment', () => {
    const c = loadConfig({ env: { LIFELINE_METRICS_TOKEN: 'a-long-enough-scrape-token', LIFELINE_METRICS_PORT: '9464', LIFELINE_METRICS_HOST: '10.0.0.5' } });
    expect(c.metrics).toEqual({ token: 'a-long-enough-scrape-token', port: 9464, host: '10.0.0.5' });
  });

  it('refuses a short token and a port out of range, naming each key', () => {
    try {
      loadConfig({ env: { LIFELINE_METRICS_TOKEN: 'short', LIFELINE_METRICS_PORT: '70000' } });
      expect.unreachable('loadConfig accepted bad metrics settings');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const keys = (err as ConfigError).issues.map((i) => i.key).sort();
      expect(keys).toEqual(['metrics.port', 'metrics.token']);
    }
  });
});

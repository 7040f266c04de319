/**
 * The engine's view of NATS behind `lifeline_nats_connected` and `lifeline_stream_replicas_current`
 * (the signals of the "NATS server or replica lost" alerts), against the real server: connected
 * until the connection closes; the stream's replicas current while it answers, none once it
 * stops answering.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ensureStreams } from '../../connectors/publisher/index.js';
import { natsView, REPLICA_INFO_SHARED_MS } from '../metrics.js';
import { testConnection, testEnv, type TestEnv } from '../../test/support/nats.js';

describe('natsView', () => {
  let env: TestEnv | undefined;
  let nc: NatsConnection | undefined;
  afterEach(async () => {
    await nc?.close();
    await env?.cleanup();
    nc = undefined;
    env = undefined;
  });

  it('reports the connection up until it closes, and the stream’s replicas current until the stream stops answering', async () => {
    env = testEnv();
    nc = await testConnection();
    const jsm = await jetstreamManager(nc);
    await ensureStreams(jsm, env.config.stream);
    const view = natsView(nc, jsm, env.config.stream.name);

    expect(view.connected()).toBe(true);
    expect(await view.replicas()).toEqual({ stream: env.config.stream.name, configured: env.config.stream.replicas, current: env.config.stream.replicas });

    // a stream that no server answers for: its configured count stays, no replica is current
    await jsm.streams.delete(env.config.stream.name);
    // past the window in which one answer serves both gauges of a scrape
    await new Promise((r) => setTimeout(r, REPLICA_INFO_SHARED_MS + 100));
    expect(await view.replicas()).toEqual({ stream: env.config.stream.name, configured: env.config.stream.replicas, current: 0 });

    await nc.close();
    expect(view.connected()).toBe(false);
  });

  it('has nothing to say about replicas of a stream it never saw answer', async () => {
    env = testEnv();
    nc = await testConnection();
    const view = natsView(nc, await jetstreamManager(nc), env.config.stream.name);
    expect(await view.replicas()).toBeNull();
  });
});

/**
 * One engine node of a scale-out deployment, as a process: `node dist/workers/leases/engine-node.js`
 * with the usual configuration (LIFELINE_CONFIG file, LIFELINE_* variables, NATS_URL). It owns no
 * partition at start; leases hand them over. Prints one JSON line per event on stdout (for
 * supervisors, tests and benchmarks): ready, acquired, restored, lost, batch, stopped.
 * SIGTERM/SIGINT: drain, flush, release, exit 0. SIGKILL is what the takeover is for.
 */
import { loadConfig } from '../../config/index.js';
import { startEngine } from '../engine.js';
import { startScaleOut } from './scale-out.js';

const say = (o: Record<string, unknown>): void => {
  process.stdout.write(JSON.stringify({ at: Date.now(), ...o }) + '\n');
};

async function main(): Promise<void> {
  const config = loadConfig();
  const engine = await startEngine(config, { partitions: [], onError: (e) => say({ event: 'error', message: e.message }) });
  engine.onBatch((r) => say({ event: 'batch', partition: r.partition, checkpoint: r.checkpoint, messages: r.messages, applied: r.applied, rejected: r.rejected }));
  const node = await startScaleOut(engine, config, {
    onWarning: (e) => say({ event: 'warning', message: e.message }),
    onRestored: (s) => say({ event: 'restored', partition: s.partition, households: s.households, alerts: s.alerts, checkpoint: s.checkpoint, ms: Math.round(s.ms) }),
    onLeaseAcquired: (p) => say({ event: 'acquired', partition: p }),
    onLeaseLost: (p, reason) => say({ event: 'lost', partition: p, reason }),
  });
  say({ event: 'ready', nodeId: node.nodeId, pid: process.pid, partitions: node.leases.owned() });

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await node.stop();
    await engine.stop();
    say({ event: 'stopped' });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((err: unknown) => {
  say({ event: 'fatal', message: (err as Error).message, code: (err as { code?: string }).code });
  process.exit(1);
});

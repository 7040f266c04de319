/**
 * Runs the engine as its own process: `node dist/workers/main.js` (configuration from
 * LIFELINE_CONFIG / LIFELINE_* variables; LIFELINE_ENGINE_TUNING may hold a JSON EngineTuning
 * override). Prints one `ready` line when every partition consumes; SIGTERM/SIGINT drain and stop.
 */
import { loadConfig } from '../config/index.js';
import { startEngine } from './engine.js';
import type { EngineTuning } from './options.js';

const config = loadConfig();
const tuningEnv = process.env['LIFELINE_ENGINE_TUNING'];
const tuning = tuningEnv ? (JSON.parse(tuningEnv) as Partial<EngineTuning>) : {};
const engine = await startEngine(config, { tuning, onError: (err) => process.stderr.write(`${err.message}\n`) });
process.stdout.write('ready\n');

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  engine.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

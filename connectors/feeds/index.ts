/** Department simulators: live feeds at realistic rates and per-department resync dumps over a synthetic city. */
export { FeedSimulator, type LiveOptions, type SimulatorOptions } from './simulator.js';
export { CityIndex } from './city-index.js';
export { BENCH_KIND_RATES, DEFAULT_KIND_RATES, REALISTIC_KIND_RATES } from './rates.js';
export {
  AIMED_ALERT_SHARE,
  AIMED_ALERTS_PER_10K_HOUSEHOLDS_PER_DAY,
  PILOT,
  REALISTIC_UPDATES_PER_HOUSEHOLD_DAY,
  WORKLOADS,
  kindRates,
  realisticGapMs,
  speedUp,
  type Workload,
} from './workload.js';
export { resolveFeedOptions, type FeedDefaults, type FeedOptions, type ResolvedFeedOptions } from './options.js';
export { ICD10 } from './kinds.js';

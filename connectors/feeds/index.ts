/** Department simulators: live feeds at realistic rates and per-department resync dumps over a synthetic city. */
export { FeedSimulator, type LiveOptions, type SimulatorOptions } from './simulator.js';
export { CityIndex } from './city-index.js';
export { DEFAULT_KIND_RATES } from './rates.js';
export { resolveFeedOptions, type FeedOptions, type ResolvedFeedOptions } from './options.js';
export { ICD10 } from './kinds.js';

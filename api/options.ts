/** Options of the API beyond `config.api` (fixed here, documented: unit and default). */

/** Longest long-poll of a queue claim (seconds, 20). */
export const MAX_CLAIM_WAIT_SEC = 20;
/** Most alerts one claim may take (alerts, 50). */
export const MAX_CLAIM = 50;
/** Default lease of a claim when `leaseSec` is not given (seconds, 900). */
export const DEFAULT_LEASE_SEC = 900;
/** How often the sweeper returns expired leases to the queue (ms, 1000). */
export const SWEEP_INTERVAL_MS = 1000;
/** Aggregates for stats and maps are rebuilt at most this often (ms, 30000). */
export const AGGREGATE_TTL_MS = 30_000;
/** Households decoded per slice while rebuilding aggregates, before yielding to the event loop (5000). */
export const AGGREGATE_SLICE = 5000;
/** Heartbeat comment on an idle alert stream, so proxies keep it open (ms, 15000). */
export const SSE_HEARTBEAT_MS = 15_000;
/** Default and largest page of alert and audit listings (items, 50 and 500). */
export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;
/** Recent updates and alerts shown in a portrait (20 each). */
export const PORTRAIT_RECENT = 20;
/** The in-memory alert counts behind /metrics are recounted from LMDB this often (ms, 60000). */
export const TALLY_RECOUNT_MS = 60_000;
/** Serialised alert views kept while the stored alert is unchanged (alerts, 10000; 4–6 kB each with both privacy views). */
export const VIEW_CACHE_ALERTS = 10_000;
/** Serialised portraits kept while the stored household state is unchanged (households, 2000; 10–20 kB each). */
export const VIEW_CACHE_HOUSEHOLDS = 2_000;

/**
 * Initial states into the changelog: what a takeover restores for households no update has
 * touched yet. Create-only, so seeding again (a second node, a restart) never overwrites a
 * household the engine has already moved on.
 */
import type { KV } from '@nats-io/kv';
import type { HouseholdState } from '../../engine/types.js';
import { partitionOf } from '../../connectors/publisher/partition.js';
import { encodeValue } from './codec.js';
import { householdKey } from './keys.js';

export interface SeedStats {
  created: number;
  /** Already in the changelog: left as they are. */
  existing: number;
}

export async function seedChangelog(kv: KV, states: Iterable<HouseholdState>, partitions: number, inFlight = 512): Promise<SeedStats> {
  const stats: SeedStats = { created: 0, existing: 0 };
  const it = states[Symbol.iterator]();
  const worker = async (): Promise<void> => {
    for (let next = it.next(); !next.done; next = it.next()) {
      const s = next.value;
      try {
        await kv.create(householdKey(partitionOf(s.household.id, partitions), s.household.id), encodeValue(s));
        stats.created++;
      } catch (e) {
        if (!(e instanceof Error) || !/wrong last sequence/i.test(e.message)) throw e;
        stats.existing++;
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return stats;
}

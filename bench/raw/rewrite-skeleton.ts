/**
 * The raw LMDB skeleton the pipeline is held against: one batch's household records read and
 * written back as they are, with the partition checkpoint, in one synchronous transaction. No
 * scoring, alerts or indexes: what LMDB alone asks per update.
 */
import type { Store } from '../../workers/store/index.js';

/** `householdIds` in stream order; returns how many records existed and were rewritten. */
export function rewriteBatch(store: Store, householdIds: Iterable<string>, partition: number, checkpoint: number): number {
  let n = 0;
  store.env.transactionSync(() => {
    for (const id of householdIds) {
      const rec = store.households.get(id);
      if (rec === undefined) continue;
      store.households.putSync(id, rec);
      n++;
    }
    store.checkpoints.putSync(partition, checkpoint);
  });
  return n;
}

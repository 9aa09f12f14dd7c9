import DataLoader from 'dataloader';

/**
 * A DataLoader that gathers the loads of one turn of the event loop into one
 * call of `batch` (one statement for many requests), with no cache: every
 * load reads afresh. A turn, not a microtask, because concurrent requests
 * arrive in callbacks of their own.
 */
export function tickLoader<K, V>(
  batch: (keys: readonly K[]) => Promise<readonly (V | Error)[]>,
  maxBatchSize: number,
): DataLoader<K, V> {
  return new DataLoader<K, V>(batch, {
    cache: false,
    maxBatchSize,
    batchScheduleFn: (dispatch) => setImmediate(dispatch),
  });
}

/**
 * Runs tasks with at most `limit` at once, in the order given; each result is reported as
 * soon as it and every task before it are done (so output can be printed grouped and in
 * order while later tasks still run). A task's failure is its own result: the others go on.
 */
export async function runPool<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
  inOrder: (result: R, index: number) => void = () => undefined,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  const done = new Array<boolean>(items.length).fill(false);
  let next = 0;
  let flushed = 0;
  const flush = () => {
    while (flushed < items.length && done[flushed]) {
      inOrder(results[flushed]!, flushed);
      flushed++;
    }
  };
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]!, i);
      done[i] = true;
      flush();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * Groups work that arrives at the same time: items submitted while a flush runs wait for the
 * next one, which takes them all (up to `maxBatch`) in one call. A database writer uses it to
 * commit the writes of concurrent requests in one transaction (group commit): under load the
 * batches grow by themselves, and a lone request waits only for the turn of the event loop.
 */
export class Batcher<I, O> {
  private queue: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private flushing = false;

  constructor(
    private readonly flush: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 200,
  ) {}

  /** Resolves with the item's result once the batch that took it is done. */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const results = await this.flush(batch.map((b) => b.item));
        batch.forEach((b, k) => b.resolve(results[k] as O));
      } catch (error) {
        for (const b of batch) b.reject(error);
      }
    }
    this.flushing = false;
  }
}

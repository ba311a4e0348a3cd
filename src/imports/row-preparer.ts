import { Worker } from 'node:worker_threads';
import { RowPreparation, type Preparation, type PreparationSetup } from './row-preparation.js';

/*
 * Where an import's rows are prepared: inline, or on a worker thread of their own. Preparing a
 * row (phone numbers above all) costs about as much JavaScript as writing it; on a thread, the
 * next batch is prepared while the database commits this one (bench/RESULTS.md).
 */

export interface RowPreparer {
  /** The rows' preparations, in their order. */
  prepare(rows: readonly (readonly string[])[]): Promise<Preparation[]>;
  /** Stops the thread, if any; batches not yet answered are refused. */
  close(): Promise<void>;
}

/** Prepares on the calling thread. */
export function inlinePreparer(setup: PreparationSetup): RowPreparer {
  const preparation = new RowPreparation(setup);
  return {
    prepare: (rows) => Promise.resolve(rows.map((cells) => preparation.prepare(cells))),
    close: () => Promise.resolve(),
  };
}

/** A batch sent to the thread, and its answer. */
export interface PrepareRequest {
  readonly id: number;
  readonly rows: readonly (readonly string[])[];
}
export type PrepareAnswer =
  | { readonly id: number; readonly results: Preparation[] }
  | { readonly id: number; readonly error: string };

/** Prepares on a worker thread (bin/row-preparer.js), a batch at a time, answering in order. */
export function threadPreparer(setup: PreparationSetup): RowPreparer {
  // The setup is checked here, where a bad header is the job's error, not the thread's.
  new RowPreparation(setup);
  const worker = new Worker(new URL('../../bin/row-preparer.js', import.meta.url), {
    workerData: setup,
  });
  const pending = new Map<
    number,
    { resolve: (results: Preparation[]) => void; reject: (error: Error) => void }
  >();
  let next = 0;
  let failure: Error | null = null;
  const failAll = (error: Error) => {
    failure ??= error;
    for (const waiting of pending.values()) waiting.reject(failure);
    pending.clear();
  };
  worker.on('message', (answer: PrepareAnswer) => {
    const waiting = pending.get(answer.id);
    if (waiting === undefined) return;
    pending.delete(answer.id);
    if ('error' in answer) waiting.reject(new Error(`preparing rows failed: ${answer.error}`));
    else waiting.resolve(answer.results);
  });
  worker.on('error', (error) => failAll(error));
  worker.on('exit', (code) => failAll(new Error(`the row preparation thread stopped (${code})`)));
  return {
    prepare(rows) {
      if (failure !== null) return Promise.reject(failure);
      const id = next++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, rows } satisfies PrepareRequest);
      });
    },
    async close() {
      failAll(new Error('the row preparation thread was closed'));
      await worker.terminate();
    },
  };
}

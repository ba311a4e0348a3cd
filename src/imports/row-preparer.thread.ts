import { parentPort, workerData } from 'node:worker_threads';
import { RowPreparation, type PreparationSetup } from './row-preparation.js';
import type { PrepareAnswer, PrepareRequest } from './row-preparer.js';

// The worker thread of threadPreparer (src/imports/row-preparer.ts), started by bin/row-preparer.js.
const preparation = new RowPreparation(workerData as PreparationSetup);
const port = parentPort;
port?.on('message', (request: PrepareRequest) => {
  let answer: PrepareAnswer;
  try {
    answer = { id: request.id, results: request.rows.map((cells) => preparation.prepare(cells)) };
  } catch (error) {
    answer = {
      id: request.id,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    };
  }
  port.postMessage(answer);
});

// A profiling aid, not part of Kith: preloaded into a process (and, through its exec arguments,
// into every worker thread it starts; tsx's loader-hook threads do not run it), it appends each thread's V8 heap, and the main thread's RSS, to
// the file KITH_MEMORY_LOG every 2 s. bench/RESULTS.md's memory breakdowns were read this way:
//   KITH_MEMORY_LOG=/tmp/mem.log \
//   KITH_BENCH_NODE_ARGS="--import $PWD/bin/memory-sampler.js" npm run bench -- import --rows 100000
import fs from 'node:fs';
import v8 from 'node:v8';
import { isMainThread, threadId, workerData } from 'node:worker_threads';

const file = process.env.KITH_MEMORY_LOG;
if (file !== undefined && file !== '') {
  const started = Date.now();
  const mb = (bytes) => Math.round(bytes / 1048576);
  // A thread is named by what it was started with (its workerData's keys), the main thread by RSS.
  const who = isMainThread
    ? 'main'
    : `thread ${threadId} ${JSON.stringify(Object.keys(workerData ?? {})).slice(0, 60)}`;
  setInterval(() => {
    const heap = v8.getHeapStatistics();
    const rss = isMainThread ? ` rss=${mb(process.memoryUsage().rss)}` : '';
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    fs.appendFileSync(
      file,
      `${seconds}s ${who}${rss} heap=${mb(heap.total_heap_size)} used=${mb(heap.used_heap_size)}\n`,
    );
  }, 2000).unref();
}

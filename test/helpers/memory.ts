import { Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A reader that measures what its writer holds while it takes the stream slowly. */
export interface SlowReader {
  readonly writable: Writable;
  /** Bytes taken so far. */
  bytes(): number;
  /** The most memory held above what was in use when the reader was made, after a GC. */
  held(): number;
}

/**
 * A writable that takes a chunk a turn of the event loop through a small buffer (a download over
 * a poor link), measuring the heap and the buffers outside it (a writable turns the strings it
 * queues into buffers) after a garbage collection every `every` chunks.
 */
export function slowReader(every = 4): SlowReader {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const inUse = () => {
    const { heapUsed, arrayBuffers } = process.memoryUsage();
    return heapUsed + arrayBuffers;
  };
  gc();
  const before = inUse();
  let held = 0;
  let bytes = 0;
  let chunks = 0;
  const writable = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (++chunks % every === 0) {
        gc();
        held = Math.max(held, inUse() - before);
      }
      setImmediate(done);
    },
  });
  return { writable, bytes: () => bytes, held: () => held };
}

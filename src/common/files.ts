import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { randomId } from './ids.js';

const PART = '.part';

/**
 * Removes the temporary files writeFileAtomically left beside `file` in processes that were
 * killed while writing it. Only a writer that alone may write the file (it holds the job's
 * lease) may call it, before it writes.
 */
export async function removeUnfinished(file: string): Promise<void> {
  const prefix = `${path.basename(file)}.`;
  const names = await readdir(path.dirname(file)).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((name) => name.startsWith(prefix) && name.endsWith(PART))
      .map((name) => rm(path.join(path.dirname(file), name), { force: true })),
  );
}

/**
 * Writes `file` whole or not at all: into a temporary name beside it, renamed when complete.
 * `write` may end the stream itself. @returns what `write` returned.
 */
export async function writeFileAtomically<T>(
  file: string,
  write: (out: Writable) => Promise<T>,
): Promise<T> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${randomId()}${PART}`;
  const out = createWriteStream(temporary);
  const closed = new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.once('close', () => resolve());
  });
  try {
    const result = await write(out);
    if (!out.writableEnded) out.end();
    await closed;
    await rename(temporary, file);
    return result;
  } catch (error) {
    out.destroy();
    await closed.catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
}

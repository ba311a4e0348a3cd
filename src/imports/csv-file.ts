import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { parse, CsvError } from 'csv-parse';

/*
 * Reading an import file (SPEC §8): streamed, so memory stays flat whatever the file's size,
 * and resumable from the byte offset after any record. Every way a file can be unreadable as
 * CSV is a CsvFileError that says what is wrong and where.
 */

/** Why a file cannot be read as CSV, with the line where it shows (when known). */
export class CsvFileError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.name = 'CsvFileError';
  }
}

/** The separators Kith recognizes in a header line, most usual first. */
export const SEPARATORS = [',', ';', '\t', '|'] as const;
export type Separator = (typeof SEPARATORS)[number];

export function separatorName(separator: string): string {
  return separator === '\t' ? 'tab' : `"${separator}"`;
}

/** A row of the file: its cells, the line it starts on, and the offset just after it. */
export interface CsvRecord {
  readonly cells: string[];
  readonly line: number;
  readonly endOffset: number;
  /** The line it ends on (a quoted cell may hold line breaks). */
  readonly endLine: number;
}

/** The longest row Kith reads: a longer one is nearly always a quote that was never closed. */
export const MAX_RECORD_CHARACTERS = 1_000_000;

/**
 * The most characters of cells a batch holds (~8 MB of strings) before it is cut short: 2,000
 * rows of 100,000-character cells would otherwise hold 200 million, twice over with the batch
 * read ahead and its copy on the preparing thread. Typical rows (~200 characters) never reach it.
 */
export const BATCH_CHARACTERS = 4_000_000;

const SAMPLE_BYTES = 64 * 1024;

/** What the start of a file says: its separator and whether it begins with a byte-order mark. */
export interface CsvShape {
  readonly separator: Separator;
  /** Every separator found in the header line, by count (for the details endpoint). */
  readonly separatorsFound: ReadonlyMap<string, number>;
}

/**
 * Reads the start of a file: refuses an empty file and UTF-16, and finds the separator of the
 * header line (the candidate it holds most of, outside quotes; a comma when it holds none).
 * @throws CsvFileError for an empty file, a UTF-16 file or a header that is not text.
 */
export async function inspectCsv(path: string): Promise<CsvShape> {
  const handle = await open(path, 'r');
  let sample: Buffer;
  try {
    const buffer = Buffer.alloc(SAMPLE_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SAMPLE_BYTES, 0);
    sample = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (sample.length === 0)
    throw new CsvFileError('the file is empty: it has no header and no rows');
  if ((sample[0] === 0xff && sample[1] === 0xfe) || (sample[0] === 0xfe && sample[1] === 0xff))
    throw new CsvFileError('the file is UTF-16; save it as UTF-8 (CSV UTF-8) and upload it again');
  const text = new TextDecoder('utf-8', { fatal: false }).decode(sample).replace(/^\uFEFF/, '');
  if (text.includes('\u0000'))
    throw new CsvFileError('the file holds NUL bytes: it is not a text file', 1);
  const counts = new Map<string, number>(SEPARATORS.map((s) => [s, 0]));
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && counts.has(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let separator: Separator = ',';
  for (const candidate of SEPARATORS)
    if ((counts.get(candidate) ?? 0) > (counts.get(separator) ?? 0)) separator = candidate;
  return { separator, separatorsFound: counts };
}

/** Passes bytes through unchanged, failing at the first byte sequence that is not UTF-8. */
class Utf8Check extends Transform {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private offset: number;
  /** The bytes that end the previous chunk and begin a character this chunk ends. */
  private pending: Buffer = Buffer.alloc(0);

  constructor(start: number) {
    super();
    this.offset = start;
  }

  override _transform(chunk: Buffer, _encoding: string, done: TransformCallback): void {
    try {
      this.decoder.decode(chunk, { stream: true });
    } catch {
      done(this.encodingError(chunk));
      return;
    }
    this.offset += chunk.length;
    this.pending = incompleteTail(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    try {
      this.decoder.decode();
      done();
    } catch {
      done(new CsvFileError('the file ends in the middle of a UTF-8 character: it is not UTF-8'));
    }
  }

  private encodingError(chunk: Buffer): CsvFileError {
    const bad = firstInvalidByte(this.pending, chunk);
    return new CsvFileError(
      `the file is not UTF-8: byte ${this.offset + bad} (0x${(chunk[bad] ?? 0).toString(16)}) is not ` +
        'part of a UTF-8 character; save the file as UTF-8 (CSV UTF-8) and upload it again',
    );
  }
}

/** The bytes at the end of a valid chunk that begin a character the next chunk ends. */
function incompleteTail(chunk: Buffer): Buffer {
  for (let i = chunk.length - 1; i >= Math.max(0, chunk.length - 4); i -= 1) {
    const byte = chunk[i] as number;
    if ((byte & 0xc0) === 0x80) continue;
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return chunk.length - i < length ? chunk.subarray(i) : Buffer.alloc(0);
  }
  return Buffer.alloc(0);
}

/**
 * The index in `chunk` of the first byte that cannot be UTF-8, after the `carried` bytes of a
 * character the previous chunk began. A prefix that fails stays failed as it grows, so a binary
 * search over prefix lengths finds it in O(n log n), not by decoding every prefix.
 */
function firstInvalidByte(carried: Buffer, chunk: Buffer): number {
  const fails = (size: number): boolean => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(
        Buffer.concat([carried, chunk.subarray(0, size)]),
        { stream: true },
      );
      return false;
    } catch {
      return true;
    }
  };
  let low = 1;
  let high = chunk.length;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (fails(middle)) high = middle;
    else low = middle + 1;
  }
  return low - 1;
}

function csvError(error: unknown, lineBase: number): unknown {
  if (!(error instanceof CsvError)) return error;
  const raw = (error as CsvError & { lines?: number }).lines;
  const line = raw === undefined ? undefined : lineBase + raw;
  // Only the errors a file can cause are worded here; the others are the parser's own words.
  switch (error.code as string) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new CsvFileError(
        'a quoted cell is never closed (unbalanced quotes): the rest of the file would be one cell',
        line,
      );
    case 'CSV_MAX_RECORD_SIZE':
      return new CsvFileError(
        `a row is longer than ${MAX_RECORD_CHARACTERS.toLocaleString('en-US')} characters; this is ` +
          'nearly always a quote that was never closed',
        line,
      );
    case 'CSV_INVALID_CLOSING_QUOTE':
      return new CsvFileError(
        'a quoted cell is followed by something other than a separator or the end of the line',
        line,
      );
    default:
      return new CsvFileError(error.message, line);
  }
}

/**
 * Streams the records of a file from `offset` (0, or a record's endOffset): each with its cells
 * and the line it starts on, counting from `line` (the line the previous record ended on).
 * Blank lines are passed over. A batch holds `batchSize` records, or fewer when they reach
 * `batchCharacters`: memory is bounded by that and one record, however wide the rows.
 * @throws CsvFileError when the file stops being readable as CSV; records before it were given.
 */
export async function* readCsvRecords(
  path: string,
  options: {
    separator: string;
    offset?: number;
    line?: number;
    batchSize?: number;
    batchCharacters?: number;
  },
): AsyncGenerator<CsvRecord[]> {
  const offset = options.offset ?? 0;
  const lineBase = options.line ?? 0;
  const batchSize = options.batchSize ?? 1000;
  const batchCharacters = options.batchCharacters ?? BATCH_CHARACTERS;
  const source = createReadStream(path, { start: offset, highWaterMark: 1024 * 1024 });
  const parser = parse({
    delimiter: options.separator,
    bom: offset === 0,
    info: true,
    relax_column_count: true,
    relax_quotes: true,
    max_record_size: MAX_RECORD_CHARACTERS,
  });
  const check = new Utf8Check(offset);
  source.on('error', (error) => parser.destroy(error));
  check.on('error', (error) => parser.destroy(error));
  source.pipe(check).pipe(parser);
  let previousEnd = lineBase;
  let batch: CsvRecord[] = [];
  let characters = 0;
  try {
    for await (const item of parser as AsyncIterable<{
      record: string[];
      info: { bytes: number; lines: number };
    }>) {
      const endLine = lineBase + item.info.lines;
      const line = previousEnd + 1;
      previousEnd = endLine;
      const cells = item.record;
      if (cells.length === 1 && cells[0] === '') continue;
      batch.push({ cells, line, endLine, endOffset: offset + item.info.bytes });
      for (const cell of cells) characters += cell.length;
      if (batch.length >= batchSize || characters >= batchCharacters) {
        yield batch;
        batch = [];
        characters = 0;
      }
    }
  } catch (error) {
    if (batch.length > 0) yield batch;
    throw csvError(error, lineBase);
  } finally {
    source.destroy();
  }
  if (batch.length > 0) yield batch;
}

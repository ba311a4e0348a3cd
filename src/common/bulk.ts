import { AppError, badRequest } from '../errors/app-error.js';

/** The most entities one bulk request may carry. */
export const BULK_LIMIT = 200;

/** One entity's outcome, in the Genesys `BulkResponseResult*` shape. */
export interface BulkResult<T> {
  id?: string;
  success: boolean;
  entity?: T;
  error?: {
    code: string;
    message: string;
    status: number;
    retryable: boolean;
    details: { fieldName?: string; message?: string }[];
    entity?: unknown;
  };
  status: number;
}

export interface BulkResponse<T> {
  results: BulkResult<T>[];
  errorCount: number;
  errorIndexes: number[];
}

/** @throws AppError 400 saying the limit when a bulk request carries too many entities. */
export function checkBulkSize(entities: readonly unknown[], max = BULK_LIMIT): void {
  if (entities.length === 0)
    throw badRequest('entities is empty: send at least one entity', 'entities');
  if (entities.length > max) {
    throw badRequest(
      `A bulk request takes at most ${max} entities; this one has ${entities.length}. Split it into several requests`,
      'entities',
    );
  }
}

/**
 * Runs `work` for every entity in order, each on its own, so that one failure does not undo the
 * others (partial success). An AppError becomes that entity's error; anything else is rethrown
 * as a server fault.
 */
export async function runBulk<I, T>(
  entities: readonly I[],
  work: (entity: I, index: number) => Promise<{ id?: string; entity?: T; status?: number }>,
  idOf: (entity: I) => string | undefined,
): Promise<BulkResponse<T>> {
  const results: BulkResult<T>[] = [];
  const errorIndexes: number[] = [];
  for (const [index, input] of entities.entries()) {
    try {
      const done = await work(input, index);
      const result: BulkResult<T> = { success: true, status: done.status ?? 200 };
      const id = done.id ?? idOf(input);
      if (id !== undefined) result.id = id;
      if (done.entity !== undefined) result.entity = done.entity;
      results.push(result);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      errorIndexes.push(index);
      const id = idOf(input);
      results.push({
        ...(id === undefined ? {} : { id }),
        success: false,
        status: error.status,
        error: {
          code: error.code,
          message: error.message,
          status: error.status,
          retryable: error.status === 409 || error.status === 429,
          details: error.details.map((d) => ({
            ...(d.fieldName === undefined ? {} : { fieldName: d.fieldName }),
            message: error.message,
          })),
          entity: input,
        },
      });
    }
  }
  return { results, errorCount: errorIndexes.length, errorIndexes };
}

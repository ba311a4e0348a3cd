import { badRequest } from '../errors/app-error.js';

/** A page request as Genesys lists take it: 1-based page number and a page size. */
export interface PageRequest {
  readonly pageNumber: number;
  readonly pageSize: number;
}

/** The Genesys paged listing envelope (`*EntityListing`). */
export interface PagedListing<T> {
  entities: T[];
  pageSize: number;
  pageNumber: number;
  total: number;
  pageCount: number;
  firstUri: string;
  selfUri: string;
  lastUri: string;
  nextUri?: string;
  previousUri?: string;
}

export interface PageLimits {
  readonly maxPageSize: number;
  /** pageNumber * pageSize may not exceed this (Genesys caps deep paging at 1,000 records). */
  readonly maxRecords?: number;
}

/** The deepest offset any listing pages to; deeper requests are refused, not sent to the database. */
const MAX_OFFSET = 1_000_000;

/**
 * Validates a page request.
 * @throws AppError 400 naming `pageSize` or `pageNumber` when out of bounds.
 */
export function checkPage(page: PageRequest, limits: PageLimits): PageRequest {
  if (page.pageSize < 1 || page.pageSize > limits.maxPageSize) {
    throw badRequest(`pageSize must be between 1 and ${limits.maxPageSize}`, 'pageSize');
  }
  if (page.pageNumber < 1) throw badRequest('pageNumber must be 1 or more', 'pageNumber');
  if ((page.pageNumber - 1) * page.pageSize > MAX_OFFSET) {
    throw badRequest(`pageNumber * pageSize must be <= ${MAX_OFFSET}`, 'pageNumber');
  }
  if (limits.maxRecords !== undefined && page.pageNumber * page.pageSize > limits.maxRecords) {
    throw badRequest(
      `pageNumber * pageSize must be <= ${limits.maxRecords}; narrow the query instead of paging deeper`,
      'pageNumber',
    );
  }
  return page;
}

/** Builds the listing envelope; `path` is the route path, `query` the other query parameters. */
export function pagedListing<T>(
  entities: T[],
  total: number,
  page: PageRequest,
  path: string,
  query: Record<string, string | readonly string[] | undefined> = {},
): PagedListing<T> {
  const pageCount = Math.ceil(total / page.pageSize);
  const uri = (n: number): string => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue;
      for (const v of typeof value === 'string' ? [value] : value) params.append(key, v);
    }
    params.set('pageSize', String(page.pageSize));
    params.set('pageNumber', String(n));
    return `${path}?${params.toString()}`;
  };
  const listing: PagedListing<T> = {
    entities,
    pageSize: page.pageSize,
    pageNumber: page.pageNumber,
    total,
    pageCount,
    firstUri: uri(1),
    selfUri: uri(page.pageNumber),
    lastUri: uri(Math.max(pageCount, 1)),
  };
  if (page.pageNumber < pageCount) listing.nextUri = uri(page.pageNumber + 1);
  if (page.pageNumber > 1)
    listing.previousUri = uri(Math.min(page.pageNumber - 1, Math.max(pageCount, 1)));
  return listing;
}

export function offsetOf(page: PageRequest): number {
  return (page.pageNumber - 1) * page.pageSize;
}

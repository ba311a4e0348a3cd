/** The Genesys `Cursor*Listing` envelope: a page of entities and the cursor of the next one. */
export interface CursorListing<T> {
  entities: T[];
  cursors?: { after: string };
  nextUri?: string;
  selfUri: string;
}

export function cursorListing<T>(
  entities: T[],
  next: string | undefined,
  path: string,
  query: Record<string, string | number | boolean | undefined>,
): CursorListing<T> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && key !== 'cursor') params.set(key, String(value));
  const listing: CursorListing<T> = { entities, selfUri: `${path}?${params.toString()}` };
  if (next !== undefined) {
    listing.cursors = { after: next };
    params.set('cursor', next);
    listing.nextUri = `${path}?${params.toString()}`;
  }
  return listing;
}

/**
 * The Genesys listing of journey sessions (`SessionListing`), whose next page is asked for with
 * `after`: the entities, and `nextUri` when there are more.
 */
export function afterListing<T>(
  entities: T[],
  next: string | undefined,
  path: string,
  query: Record<string, string | number | boolean | undefined>,
): { entities: T[]; nextUri?: string; selfUri: string } {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && key !== 'after') params.set(key, String(value));
  const selfUri = `${path}?${params.toString()}`;
  if (next === undefined) return { entities, selfUri };
  params.set('after', next);
  return { entities, nextUri: `${path}?${params.toString()}`, selfUri };
}

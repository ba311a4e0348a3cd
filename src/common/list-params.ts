import { badRequest } from '../errors/app-error.js';

/**
 * The expansions a request asks for. The Genesys SDK joins a list into one comma-separated value
 * (`expand=author,division`); repeated parameters work too.
 * @throws AppError 400 naming expand for a value not in `allowed`.
 */
export function parseExpand(
  values: readonly string[] | undefined,
  allowed: readonly string[],
): string[] {
  const wanted = splitListParam(values) ?? [];
  const unknown = wanted.find((v) => v !== '' && !allowed.includes(v));
  if (unknown !== undefined) {
    throw badRequest(`expand takes ${allowed.join(', ')}; ${unknown} is not one of them`, 'expand');
  }
  return [...new Set(wanted)];
}

/**
 * A list query parameter as the Genesys SDK sends it, joined with commas (`divisionIds=a,b`), or
 * repeated (`divisionIds=a&divisionIds=b`): the values, trimmed, empty ones dropped.
 */
export function splitListParam(values: readonly string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

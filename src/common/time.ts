/** The current instant as ISO-8601 in UTC with milliseconds, the one format Kith stores. */
export function nowIso(): string {
  return new Date().toISOString();
}

export function addSeconds(iso: string, seconds: number): string {
  return new Date(Date.parse(iso) + seconds * 1000).toISOString();
}

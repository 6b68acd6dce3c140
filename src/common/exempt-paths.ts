/** Paths that operators and the dashboard's files need even when clients are limited or shed. */
const EXEMPT_PATHS = ['/health', '/metrics', '/assets', '/ui'];

/** Whether rate limits and overload shedding leave `url` alone (the dashboard's `/` too). */
export function isExemptFromLimits(url: string): boolean {
  return (
    url === '/' ||
    EXEMPT_PATHS.some(
      (path) => url === path || url.startsWith(`${path}/`) || url.startsWith(`${path}?`),
    )
  );
}

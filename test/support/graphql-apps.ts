import { startTestApp, type TestApp } from './test-app';

/** Apps, Chromium and other suites share two cores: no load shedding in the GraphQL tool tests. */
export const QUIET = { OVERLOAD_EVENT_LOOP_DELAY_MS: '0' };

/**
 * The two apps the GraphQL tool tests compare: `open` (PUBLIC_READ, in development: GraphiQL
 * served) and `closed` (reads need a key; production: GraphiQL off by default, introspection on).
 */
export async function startOpenAndClosedApps(): Promise<{ open: TestApp; closed: TestApp }> {
  const open = await startTestApp({
    env: { ...QUIET, PUBLIC_READ: 'true', NODE_ENV: 'development' },
  });
  const closed = await startTestApp({
    env: {
      ...QUIET,
      NODE_ENV: 'production',
      SECRET_KEY: 'graphql-tools-test-secret-key-0123456789',
    },
  });
  return { open, closed };
}

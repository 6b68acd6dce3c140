import { startTestApp, type TestApp } from './test-app';

/** Apps, Chromium and other suites share two cores: no load shedding in the GraphQL tool tests. */
export const QUIET = { OVERLOAD_EVENT_LOOP_DELAY_MS: '0' };

/**
 * The two apps the GraphQL tool tests compare: `open` (PUBLIC_READ, in development: GraphiQL
 * served) and `closed` (reads need a key; production: GraphiQL off by default, introspection on).
 */
async function startOpenAndClosedApps(): Promise<{ open: TestApp; closed: TestApp }> {
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

/**
 * Starts the two apps before the suite's tests and closes them after (jest hooks); read them from
 * the returned object inside tests.
 */
export function openAndClosedApps(): { readonly open: TestApp; readonly closed: TestApp } {
  let apps: { open: TestApp; closed: TestApp } | undefined;
  beforeAll(async () => {
    apps = await startOpenAndClosedApps();
  }, 60_000);
  afterAll(async () => {
    await apps?.open.close();
    await apps?.closed.close();
  });
  const started = () => {
    if (!apps) {
      throw new Error('The GraphQL test apps are read before they started');
    }
    return apps;
  };
  return {
    get open() {
      return started().open;
    },
    get closed() {
      return started().closed;
    },
  };
}

import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { LiveStatus } from './api/live';
import { ErrorBox } from './components/error-box';
import { SignInForm } from './components/sign-in';
import { Link, matchPath, useLocation } from './router';
import { routes, type PageProps, type PageRoute } from './routes';
import { useSession } from './session';
import { setThemeChoice, useTheme, type ThemeChoice } from './theme';

const NEXT_THEME: Record<ThemeChoice, ThemeChoice> = {
  system: 'light',
  light: 'dark',
  dark: 'system',
};

function ThemeToggle() {
  const { choice } = useTheme();
  return (
    <button
      type="button"
      class="ghost"
      title="Colour theme: system, light or dark"
      aria-label={`Theme: ${choice}`}
      onClick={() => setThemeChoice(NEXT_THEME[choice])}
    >
      {choice === 'system' ? '◐ auto' : choice === 'light' ? '☀ light' : '☾ dark'}
    </button>
  );
}

function LiveDot() {
  const { live } = useSession();
  const [status, setStatus] = useState<{ status: LiveStatus; detail: string | null }>({
    status: 'connecting',
    detail: null,
  });
  useEffect(() => live.onStatus((next, detail) => setStatus({ status: next, detail })), [live]);
  const label =
    status.status === 'connected'
      ? 'live'
      : status.status === 'refused'
        ? 'live updates refused'
        : status.status === 'reconnecting'
          ? 'reconnecting…'
          : 'idle';
  return (
    <span
      class={`live-dot live-${status.status}`}
      title={status.detail ?? `Live updates: ${label}`}
    >
      {label}
    </span>
  );
}

function SessionBar() {
  const { state, signOut, isAdmin } = useSession();
  const [open, setOpen] = useState(false);
  if (state.status === 'signed-in') {
    return (
      <div class="session">
        <span class="who" data-testid="who">
          {state.me.name} <span class={`badge role-${state.me.role}`}>{state.me.role}</span>
        </span>
        {isAdmin ? (
          <a
            class="admin-only"
            data-admin
            href="/admin/queues"
            target="_blank"
            rel="noreferrer"
            title="Bull Board: any user name, your admin key as the password"
          >
            Queues
          </a>
        ) : null}
        <button type="button" class="ghost" onClick={signOut}>
          Sign out
        </button>
      </div>
    );
  }
  if (state.status === 'public') {
    return (
      <div class="session">
        <span class="who">public read</span>
        {open ? (
          <SignInForm />
        ) : (
          <button type="button" onClick={() => setOpen(true)}>
            Sign in
          </button>
        )}
      </div>
    );
  }
  return null;
}

const pageCache = new Map<PageRoute, ComponentType<PageProps>>();

function PageOutlet({ route, props }: { route: PageRoute; props: PageProps }) {
  const [Page, setPage] = useState<ComponentType<PageProps> | undefined>(() =>
    pageCache.get(route),
  );
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const cached = pageCache.get(route);
    if (cached) {
      setPage(() => cached);
      return;
    }
    setPage(undefined);
    route.load().then(
      (module) => {
        pageCache.set(route, module.default);
        setPage(() => module.default);
      },
      (failure: unknown) => setError(failure),
    );
  }, [route]);
  if (error) {
    return <ErrorBox error={error} />;
  }
  return Page ? <Page {...props} /> : <p class="muted">Loading…</p>;
}

function NotFound({ path }: { path: string }) {
  return (
    <section class="panel">
      <h1>No page at {path}</h1>
      <p>
        Back to the <Link href="/">markets</Link>, or see the API at <a href="/docs">/docs</a>.
      </p>
    </section>
  );
}

export function App() {
  const session = useSession();
  const { path, query } = useLocation();
  let matched: { route: PageRoute; params: Record<string, string> } | null = null;
  for (const route of routes) {
    const params = matchPath(route.path, path);
    if (params) {
      matched = { route, params };
      break;
    }
  }
  useEffect(() => {
    const title = matched
      ? typeof matched.route.title === 'string'
        ? matched.route.title
        : matched.route.title(matched.params)
      : 'Not found';
    document.title = `${title} · crypto-freq-trade`;
  }, [matched?.route, path]);
  const { state } = session;
  return (
    <>
      <header class="topbar">
        <Link href="/" class="brand">
          crypto-freq-trade
        </Link>
        <nav>
          {routes
            .filter((route) => route.nav && (!route.adminOnly || session.isAdmin))
            .map((route) => (
              <Link
                key={route.path}
                href={route.path}
                class={matched?.route === route ? 'active' : ''}
              >
                {route.nav}
              </Link>
            ))}
          <a href="/docs" target="_blank" rel="noreferrer">
            API
          </a>
        </nav>
        <div class="topbar-end">
          {state.status === 'signed-in' || state.status === 'public' ? <LiveDot /> : null}
          <ThemeToggle />
          <SessionBar />
        </div>
      </header>
      <main>
        {state.status === 'checking' ? (
          <p class="muted">Checking the API…</p>
        ) : state.status === 'signed-out' ? (
          <section class="panel narrow">
            <h1>Sign in</h1>
            <p>
              This API needs a key for reads. Paste an API key (
              <code>npm run cli -- api-key create --name me --role client</code>); it is kept for
              this tab only.
            </p>
            <SignInForm initialError={state.error} />
          </section>
        ) : matched ? (
          <PageOutlet
            key={matched.route.path}
            route={matched.route}
            props={{ params: matched.params, query }}
          />
        ) : (
          <NotFound path={path} />
        )}
      </main>
    </>
  );
}

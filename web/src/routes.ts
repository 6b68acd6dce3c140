import type { ComponentType } from 'preact';

/** What every page component receives. */
export interface PageProps {
  /** The `:name` parts of its path. */
  params: Record<string, string>;
  query: URLSearchParams;
}

export interface PageRoute {
  /** `/` or a path under `/ui/` (the api serves index.html there), with `:name` parameters. */
  path: string;
  /** Document title. */
  title: string | ((params: Record<string, string>) => string);
  /** Label in the top navigation; pages reached from another page have none. */
  nav?: string;
  /** Only admin keys see it in the navigation (the API refuses the rest anyway). */
  adminOnly?: boolean;
  /** Each page is its own chunk, loaded on first visit. */
  load: () => Promise<{ default: ComponentType<PageProps> }>;
}

/** The dashboard's pages, in navigation order. Adding a page: one entry here (see web/README.md). */
export const routes: PageRoute[] = [
  {
    path: '/',
    title: 'Markets',
    nav: 'Markets',
    load: () => import('./pages/markets-page'),
  },
  {
    path: '/ui/markets/:symbol',
    title: ({ symbol }) => `${symbol ?? ''} market`,
    load: () => import('./pages/market-page'),
  },
  {
    path: '/ui/backtests',
    title: 'Backtests',
    nav: 'Backtests',
    load: () => import('./pages/backtests-page'),
  },
  {
    path: '/ui/strategies',
    title: 'Strategies',
    nav: 'Strategies',
    load: () => import('./pages/strategies-page'),
  },
  {
    path: '/ui/paper',
    title: 'Paper accounts',
    nav: 'Paper',
    load: () => import('./pages/paper-page'),
  },
  {
    path: '/ui/models',
    title: 'Models',
    nav: 'Models',
    load: () => import('./pages/models-page'),
  },
  {
    path: '/ui/webhooks',
    title: 'Webhooks',
    nav: 'Webhooks',
    load: () => import('./pages/webhooks-page'),
  },
  {
    path: '/ui/admin',
    title: 'Admin',
    nav: 'Admin',
    adminOnly: true,
    load: () => import('./pages/admin-page'),
  },
];

/** Where the market page of `symbol` is. */
export const marketHref = (symbol: string, interval?: string): string =>
  `/ui/markets/${encodeURIComponent(symbol)}${interval ? `?interval=${encodeURIComponent(interval)}` : ''}`;

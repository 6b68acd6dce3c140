import type { AnchorHTMLAttributes, ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/**
 * A small history router: paths are matched against `routes.ts`, links push history entries
 * without a reload, and the api answers index.html for any path under /ui/ (so a reload or a
 * shared link lands on the same page).
 */
const listeners = new Set<() => void>();
const notify = () => listeners.forEach((listener) => listener());
window.addEventListener('popstate', notify);

function navigate(href: string, options: { replace?: boolean } = {}): void {
  if (href === location.pathname + location.search) {
    return;
  }
  if (options.replace) {
    history.replaceState(null, '', href);
  } else {
    history.pushState(null, '', href);
    window.scrollTo(0, 0);
  }
  notify();
}

/**
 * Replaces some query parameters of the current page: a list repeats the parameter, null or ''
 * removes it.
 */
export function setQuery(changes: Record<string, string | string[] | null>): void {
  const params = new URLSearchParams(location.search);
  for (const [name, value] of Object.entries(changes)) {
    params.delete(name);
    for (const each of Array.isArray(value) ? value : [value]) {
      if (each !== null && each !== '') {
        params.append(name, each);
      }
    }
  }
  const search = params.toString();
  navigate(`${location.pathname}${search ? `?${search}` : ''}`, { replace: true });
}

export interface Location {
  path: string;
  query: URLSearchParams;
}

export function useLocation(): Location {
  const [, setTick] = useState(0);
  useEffect(() => {
    const listener = () => setTick((tick) => tick + 1);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, []);
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

/** `pattern` like `/ui/markets/:symbol` against a path: the parameters, or null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) {
    return null;
  }
  const params: Record<string, string> = {};
  for (const [index, part] of want.entries()) {
    const actual = got[index] ?? '';
    if (part.startsWith(':')) {
      params[part.slice(1)] = decodeURIComponent(actual);
    } else if (part !== actual) {
      return null;
    }
  }
  return params;
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & {
  href: string;
  children?: ComponentChildren;
};

/** An `<a>` that navigates inside the app on a plain click (new tabs and the like still work). */
export function Link({ href, children, ...props }: LinkProps) {
  const onClick = (event: MouseEvent) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} onClick={onClick} {...props}>
      {children}
    </a>
  );
}

import { useEffect, useState } from 'preact/hooks';

/** `system` follows prefers-color-scheme; the choice is kept in localStorage (not a secret). */
export type ThemeChoice = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

const STORAGE_KEY = 'cft.theme';
const media = window.matchMedia('(prefers-color-scheme: dark)');
const listeners = new Set<() => void>();

function themeChoice(): ThemeChoice {
  const stored = localStorage.getItem(STORAGE_KEY);
  return stored === 'light' || stored === 'dark' ? stored : 'system';
}

function resolvedTheme(): Theme {
  const choice = themeChoice();
  return choice === 'system' ? (media.matches ? 'dark' : 'light') : choice;
}

export function setThemeChoice(choice: ThemeChoice): void {
  if (choice === 'system') {
    localStorage.removeItem(STORAGE_KEY);
    delete document.documentElement.dataset.theme;
  } else {
    localStorage.setItem(STORAGE_KEY, choice);
    document.documentElement.dataset.theme = choice;
  }
  listeners.forEach((listener) => listener());
}

media.addEventListener('change', () => listeners.forEach((listener) => listener()));

/** The theme in force, re-rendering on a toggle or a system change. */
export function useTheme(): { theme: Theme; choice: ThemeChoice } {
  const [state, setState] = useState(() => ({ theme: resolvedTheme(), choice: themeChoice() }));
  useEffect(() => {
    const listener = () => setState({ theme: resolvedTheme(), choice: themeChoice() });
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, []);
  return state;
}

/** A CSS custom property of the page as it is now (charts draw on canvas, outside CSS). */
export function cssColor(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

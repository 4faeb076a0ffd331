//! Light and dark theme: the choice is saved in localStorage and applied as
//! `<html data-theme="…">`, which switches the CSS variables of `styles.css`.
import { useCallback, useState } from 'react';

export type Theme = 'light' | 'dark';
const KEY = 'tucan.theme';

/** The saved theme, else the system's preference. */
export function initialTheme(): Theme {
  const saved = localStorage.getItem(KEY);
  if (saved === 'light' || saved === 'dark') return saved;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** Sets the theme on the document (call once before the first render too). */
export function applyTheme(theme: Theme) {
  document.documentElement.dataset.theme = theme;
}

/** The current theme and a toggle that saves the new choice. */
export function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(() => (document.documentElement.dataset.theme as Theme) || initialTheme());
  const toggle = useCallback(() => {
    setTheme((old) => {
      const next: Theme = old === 'dark' ? 'light' : 'dark';
      localStorage.setItem(KEY, next);
      applyTheme(next);
      return next;
    });
  }, []);
  return [theme, toggle];
}

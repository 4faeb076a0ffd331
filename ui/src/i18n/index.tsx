//! Translations: each area of the app keeps its own dictionaries (`messages.ts` beside its
//! pages) in English, Spanish and Portuguese (Brazil); `useT(dict)` picks the user's language.
import { createContext, useContext, useState, type ReactNode } from 'react';

export type Lang = 'en' | 'es' | 'pt-BR';
export const LANGS: { id: Lang; label: string }[] = [
  { id: 'es', label: 'Español' },
  { id: 'pt-BR', label: 'Português (Brasil)' },
  { id: 'en', label: 'English' },
];

/** A dictionary: the English keys are the source, the other two must hold the same keys. */
export type Dict<K extends string> = { en: Record<K, string>; es: Record<K, string>; 'pt-BR': Record<K, string> };

/** Builds a dictionary with the type checker making sure every language has every key. */
export function dict<K extends string>(d: Dict<K>): Dict<K> {
  return d;
}

function initialLang(): Lang {
  const saved = localStorage.getItem('tucan.lang');
  if (saved === 'en' || saved === 'es' || saved === 'pt-BR') return saved;
  const nav = navigator.language.toLowerCase();
  if (nav.startsWith('pt')) return 'pt-BR';
  if (nav.startsWith('es')) return 'es';
  return 'en';
}

const LangContext = createContext<{ lang: Lang; setLang: (l: Lang) => void }>({ lang: 'en', setLang: () => {} });

export function LangProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = (l: Lang) => {
    localStorage.setItem('tucan.lang', l);
    document.documentElement.lang = l;
    setLangState(l);
  };
  return <LangContext.Provider value={{ lang, setLang }}>{children}</LangContext.Provider>;
}

export function useLang() {
  return useContext(LangContext);
}

/** `t('key', {name: 'Ana'})` replaces `{name}` in the text of the current language. */
export function useT<K extends string>(d: Dict<K>) {
  const { lang } = useLang();
  return (key: K, vars?: Record<string, string | number>) => {
    let s = d[lang][key] ?? d.en[key] ?? key;
    for (const [k, v] of Object.entries(vars ?? {})) s = s.replaceAll(`{${k}}`, String(v));
    return s;
  };
}

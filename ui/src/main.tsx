//! The app's entry: theme and language before the first paint, then the providers and routes.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import { App } from './App';
import { LangProvider } from './i18n';
import { AuthProvider } from './shell/auth';
import { applyTheme, initialTheme } from './shell/theme';
import { UiProvider } from './shell/ui';
import './styles.css';

applyTheme(initialTheme());
document.documentElement.lang = localStorage.getItem('tucan.lang') ?? navigator.language;

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <LangProvider>
      <UiProvider>
        <BrowserRouter>
          <AuthProvider>
            <App />
          </AuthProvider>
        </BrowserRouter>
      </UiProvider>
    </LangProvider>
  </StrictMode>,
);

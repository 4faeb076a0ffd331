//! The signed-in frame of the app: a sidebar with the pages the user's role may open, the
//! theme toggle, the language picker (saved on the account too) and the user's menu; the
//! page renders beside it. On a narrow screen the sidebar slides in from a top bar. A company
//! user hears of the notes that mention them here, whatever page is open (`useMentions`); the
//! Inbox entry counts the unread ones. A company admin has a bell in the header (the sidebar's
//! top, or the top bar on a narrow screen) for the platform's notices (`NoticesBell`).
import { useEffect, useState, type ReactNode } from 'react';
import { NavLink, Link, Outlet, useLocation } from 'react-router-dom';
import { LANGS, useLang, useT, type Lang } from '../i18n';
import { api } from '../api/client';
import { appLang, hasRole, useAuth } from './auth';
import { Icons } from './icons';
import { useMentions } from './mentions';
import { shellText } from './messages';
import { NoticesBell } from './NoticesBell';
import { useNotices } from './notices';
import { useTheme } from './theme';
import { Avatar, IconButton } from './ui';

type Key = keyof typeof shellText.en;

interface NavItem {
  to: string;
  label: Key;
  icon: () => ReactNode;
}

interface NavGroup {
  label?: Key;
  items: NavItem[];
}

function navFor(user: ReturnType<typeof useAuth>['user']): NavGroup[] {
  if (!user) return [];
  if (user.role === 'platform_admin') {
    return [
      {
        label: 'groupPlatform',
        items: [
          { to: '/platform/tenants', label: 'navTenants', icon: Icons.building },
          { to: '/platform/plans', label: 'navPlans', icon: Icons.plans },
        ],
      },
    ];
  }
  const groups: NavGroup[] = [];
  const work: NavItem[] = [];
  if (hasRole(user, 'supervisor')) work.push({ to: '/dashboard', label: 'navDashboard', icon: Icons.dashboard });
  work.push({ to: '/inbox', label: 'navInbox', icon: Icons.inbox });
  work.push({ to: '/schedules', label: 'navSchedules', icon: Icons.calendar });
  // Agents keep quick replies of their own; supervisors find them under administration.
  if (!hasRole(user, 'supervisor')) work.push({ to: '/admin/quick-replies', label: 'navQuickReplies', icon: Icons.quickReplies });
  if (hasRole(user, 'supervisor')) work.push({ to: '/admin/contacts', label: 'navContacts', icon: Icons.contacts });
  if (hasRole(user, 'supervisor')) work.push({ to: '/campaigns', label: 'navCampaigns', icon: Icons.megaphone });
  groups.push({ label: 'groupWork', items: work });
  if (hasRole(user, 'supervisor')) {
    groups.push({
      label: 'groupAutomation',
      items: [
        { to: '/flows', label: 'navFlows', icon: Icons.flows },
        { to: '/runs', label: 'navRuns', icon: Icons.runs },
        { to: '/connections', label: 'navConnections', icon: Icons.connections },
      ],
    });
    const admin: NavItem[] = [
      { to: '/admin/users', label: 'navUsers', icon: Icons.users },
      { to: '/admin/queues', label: 'navQueues', icon: Icons.queues },
      { to: '/admin/tags', label: 'navTags', icon: Icons.tags },
      { to: '/admin/quick-replies', label: 'navQuickReplies', icon: Icons.quickReplies },
    ];
    if (hasRole(user, 'admin')) {
      admin.push(
        { to: '/admin/business-hours', label: 'navBusinessHours', icon: Icons.clock },
        { to: '/admin/settings', label: 'navSettings', icon: Icons.settings },
        { to: '/admin/plugins', label: 'navPlugins', icon: Icons.plugins },
        { to: '/admin/api-keys', label: 'navApiKeys', icon: Icons.key },
        { to: '/admin/webhooks', label: 'navWebhooks', icon: Icons.webhook },
      );
    }
    groups.push({ label: 'groupAdmin', items: admin });
  }
  return groups;
}

/** The width under which the sidebar slides in from the top bar (as `styles.css` says). */
const NARROW = '(max-width: 900px)';

/** Whether the screen is narrow: the header is then the top bar. */
function useNarrow(): boolean {
  const [narrow, setNarrow] = useState(() => window.matchMedia(NARROW).matches);
  useEffect(() => {
    const q = window.matchMedia(NARROW);
    const on = () => setNarrow(q.matches);
    on();
    q.addEventListener('change', on);
    return () => q.removeEventListener('change', on);
  }, []);
  return narrow;
}

/** The role's name in the user's language. */
export function useRoleName() {
  const t = useT(shellText);
  return (role: string) =>
    role === 'agent' ? t('roleAgent') : role === 'supervisor' ? t('roleSupervisor') : role === 'admin' ? t('roleAdmin') : t('rolePlatformAdmin');
}

export function Layout() {
  const t = useT(shellText);
  const { user, signOut, reload } = useAuth();
  const { lang, setLang } = useLang();
  const [theme, toggleTheme] = useTheme();
  const [open, setOpen] = useState(false);
  const location = useLocation();
  const roleName = useRoleName();
  const mentions = useMentions(user && user.role !== 'platform_admin' ? user.id : null);
  const isAdmin = hasRole(user, 'admin');
  const notices = useNotices(isAdmin);
  const narrow = useNarrow();
  const bell = isAdmin ? <NoticesBell notices={notices} /> : null;

  useEffect(() => setOpen(false), [location.pathname]);

  /** The picked language is the app's at once, and the account's from now on. */
  const pickLang = (l: Lang) => {
    setLang(l);
    if (user && appLang(user.language) !== l) {
      api('PATCH', '/api/auth/me', { body: { language: l } }).then(reload, () => {
        /* it stays on this device */
      });
    }
  };

  return (
    <div className="app">
      <header className="topbar">
        <IconButton label={t('menu')} onClick={() => setOpen(true)} aria-expanded={open} aria-controls="sidebar">
          <Icons.menu />
        </IconButton>
        <span className="brand-mark" aria-hidden="true">
          T
        </span>
        <strong>TucanLink</strong>
        {narrow ? bell : null}
      </header>
      <div className={open ? 'sidebar-scrim is-open' : 'sidebar-scrim'} onClick={() => setOpen(false)} />
      <aside id="sidebar" className={open ? 'sidebar is-open' : 'sidebar'}>
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            T
          </span>
          TucanLink
          {narrow ? null : bell}
        </div>
        <nav className="nav" aria-label={t('mainNav')}>
          {navFor(user).map((g, i) => (
            <div key={i} role="group" aria-label={g.label ? t(g.label) : undefined}>
              {g.label ? <div className="nav-group">{t(g.label)}</div> : null}
              {g.items.map((item) => (
                <NavLink key={item.to} to={item.to}>
                  <span className="nav-icon">{item.icon()}</span>
                  {t(item.label)}
                  {item.to === '/inbox' && mentions.count > 0 ? (
                    <span className="nav-count" title={t('mentionsUnread', { n: mentions.count })} data-testid="mentions-badge" data-count={mentions.count}>
                      <span aria-hidden="true">@{mentions.count}</span>
                      <span className="sr-only">{t('mentionsUnread', { n: mentions.count })}</span>
                    </span>
                  ) : null}
                </NavLink>
              ))}
            </div>
          ))}
        </nav>
        <div className="sidebar-footer">
          <div className="row">
            <IconButton label={theme === 'dark' ? t('themeLight') : t('themeDark')} onClick={toggleTheme} data-testid="theme-toggle">
              {theme === 'dark' ? <Icons.sun /> : <Icons.moon />}
            </IconButton>
            <select aria-label={t('language')} value={lang} onChange={(e) => pickLang(e.target.value as Lang)}>
              {LANGS.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.label}
                </option>
              ))}
            </select>
          </div>
          {user ? (
            <div className="row">
              <Link to="/profile" className="user-chip grow" title={t('profile')}>
                <Avatar name={user.name} size={32} />
                <span className="stack gap-sm truncate" style={{ gap: 0 }}>
                  <span className="truncate strong">{user.name}</span>
                  <span className="small truncate">{roleName(user.role)}</span>
                </span>
              </Link>
              <IconButton label={t('signOut')} onClick={() => void signOut()} data-testid="sign-out">
                <Icons.logout />
              </IconButton>
            </div>
          ) : null}
        </div>
      </aside>
      <main className="main" id="main">
        <Outlet />
      </main>
    </div>
  );
}

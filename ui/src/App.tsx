//! The routes of the app. Sign-in pages are open; everything else needs a session and the
//! right role, and a user who signed in with a password given to them chooses their own
//! first. Each area loads on first use, so the sign-in page stays small.
import { lazy, Suspense, type ComponentType, type ReactNode } from 'react';
import { Link, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { useT } from './i18n';
import { hasRole, homePath, mustChangePassword, nextPath, useAuth } from './shell/auth';
import { Layout } from './shell/Layout';
import { shellText } from './shell/messages';
import { EmptyState, Spinner } from './shell/ui';
import { LoginPage } from './auth/LoginPage';
import { ForgotPage } from './auth/ForgotPage';
import { ResetPage } from './auth/ResetPage';
import { ChoosePasswordPage } from './auth/ChoosePasswordPage';

/** A page of a lazily loaded module, picked by its export name. */
function page<M extends Record<string, unknown>>(load: () => Promise<M>, name: keyof M & string) {
  return lazy(async () => ({ default: (await load())[name] as ComponentType }));
}

const loadFlows = () => import('./flows');
const loadAdmin = () => import('./admin');
const loadDashboard = () => import('./dashboard');
const loadInbox = () => import('./inbox');
const loadConnections = () => import('./connections');
const loadSchedules = () => import('./schedules');
const loadCampaigns = () => import('./campaigns');

const ProfilePage = page(() => import('./auth/ProfilePage'), 'ProfilePage');
const InboxPage = page(loadInbox, 'InboxPage');
const SchedulesPage = page(loadSchedules, 'SchedulesPage');
const ConnectionsPage = page(loadConnections, 'ConnectionsPage');
const ConnectionPage = page(loadConnections, 'ConnectionPage');
const SimulatorPhonePage = page(loadConnections, 'SimulatorPhonePage');
const DashboardPage = page(loadDashboard, 'DashboardPage');
const FlowListPage = page(loadFlows, 'FlowListPage');
const FlowEditorPage = page(loadFlows, 'FlowEditorPage');
const RunsPage = page(loadFlows, 'RunsPage');
const RunDetailPage = page(loadFlows, 'RunDetailPage');
const UsersPage = page(loadAdmin, 'UsersPage');
const QueuesPage = page(loadAdmin, 'QueuesPage');
const TagsPage = page(loadAdmin, 'TagsPage');
const QuickRepliesPage = page(loadAdmin, 'QuickRepliesPage');
const ContactsPage = page(loadAdmin, 'ContactsPage');
const BusinessHoursPage = page(loadAdmin, 'BusinessHoursPage');
const SettingsPage = page(loadAdmin, 'SettingsPage');
const PluginsPage = page(loadAdmin, 'PluginsPage');
const ApiKeysPage = page(loadAdmin, 'ApiKeysPage');
const WebhooksPage = page(loadAdmin, 'WebhooksPage');
const WebhookLogPage = page(loadAdmin, 'WebhookLogPage');
const CampaignsPage = page(loadCampaigns, 'CampaignsPage');
const CampaignFormPage = page(loadCampaigns, 'CampaignFormPage');
const CampaignPage = page(loadCampaigns, 'CampaignPage');
const ListsPage = page(loadCampaigns, 'ListsPage');
const ListPage = page(loadCampaigns, 'ListPage');
const TenantsPage = page(loadAdmin, 'TenantsPage');
const PlansPage = page(loadAdmin, 'PlansPage');

type Need = 'any' | 'agent' | 'supervisor' | 'admin' | 'platform';

/**
 * Renders `children` for a signed-in user with the needed role; else redirects. A user who
 * must choose a password of their own sees that screen instead, at the same address.
 */
function Guard({ need, children }: { need: Need; children: ReactNode }) {
  const { user, ready } = useAuth();
  const location = useLocation();
  if (!ready) return <Spinner />;
  if (!user) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  if (mustChangePassword(user)) return <ChoosePasswordPage />;
  const allowed =
    need === 'any' ||
    (need === 'platform' ? user.role === 'platform_admin' : hasRole(user, need));
  if (!allowed) return <Navigate to={homePath(user)} replace />;
  return <Suspense fallback={<Spinner />}>{children}</Suspense>;
}

function Home() {
  const { user, ready } = useAuth();
  if (!ready) return <Spinner />;
  return <Navigate to={homePath(user)} replace />;
}

function NotFound() {
  const t = useT(shellText);
  return (
    <div className="page">
      <EmptyState title={t('notFound')} action={<Link to="/">{t('goHome')}</Link>} />
    </div>
  );
}

/** Only for people who are signed out (a signed-in user goes to their start page). */
function SignedOut({ children }: { children: ReactNode }) {
  const { user, ready } = useAuth();
  const location = useLocation();
  if (!ready) return <Spinner />;
  if (user) return <Navigate to={nextPath(user, location.search)} replace />;
  return <>{children}</>;
}

export function App() {
  const g = (need: Need, el: ReactNode) => <Guard need={need}>{el}</Guard>;
  return (
    <Routes>
      <Route path="/login" element={<SignedOut><LoginPage /></SignedOut>} />
      <Route path="/forgot" element={<ForgotPage />} />
      <Route path="/reset" element={<ResetPage />} />
      <Route path="/reset-password" element={<ResetPage />} />
      <Route path="/" element={<Home />} />
      <Route element={<Guard need="any"><Layout /></Guard>}>
        <Route path="/profile" element={g('any', <ProfilePage />)} />
        <Route path="/inbox" element={g('agent', <InboxPage />)} />
        <Route path="/inbox/:ticketId" element={g('agent', <InboxPage />)} />
        <Route path="/schedules" element={g('agent', <SchedulesPage />)} />
        <Route path="/connections" element={g('supervisor', <ConnectionsPage />)} />
        <Route path="/connections/:id" element={g('supervisor', <ConnectionPage />)} />
        <Route path="/connections/:id/phone" element={g('supervisor', <SimulatorPhonePage />)} />
        <Route path="/dashboard" element={g('supervisor', <DashboardPage />)} />
        <Route path="/flows" element={g('supervisor', <FlowListPage />)} />
        <Route path="/flows/:id" element={g('supervisor', <FlowEditorPage />)} />
        <Route path="/runs" element={g('supervisor', <RunsPage />)} />
        <Route path="/runs/:id" element={g('supervisor', <RunDetailPage />)} />
        <Route path="/campaigns" element={g('supervisor', <CampaignsPage />)} />
        <Route path="/campaigns/new" element={g('supervisor', <CampaignFormPage />)} />
        <Route path="/campaigns/lists" element={g('supervisor', <ListsPage />)} />
        <Route path="/campaigns/lists/:id" element={g('supervisor', <ListPage />)} />
        <Route path="/campaigns/:id" element={g('supervisor', <CampaignPage />)} />
        <Route path="/campaigns/:id/edit" element={g('supervisor', <CampaignFormPage />)} />
        <Route path="/admin/users" element={g('supervisor', <UsersPage />)} />
        <Route path="/admin/queues" element={g('supervisor', <QueuesPage />)} />
        <Route path="/admin/tags" element={g('supervisor', <TagsPage />)} />
        <Route path="/admin/quick-replies" element={g('agent', <QuickRepliesPage />)} />
        <Route path="/admin/contacts" element={g('supervisor', <ContactsPage />)} />
        <Route path="/admin/business-hours" element={g('admin', <BusinessHoursPage />)} />
        <Route path="/admin/settings" element={g('admin', <SettingsPage />)} />
        <Route path="/admin/plugins" element={g('admin', <PluginsPage />)} />
        <Route path="/admin/api-keys" element={g('admin', <ApiKeysPage />)} />
        <Route path="/admin/webhooks" element={g('admin', <WebhooksPage />)} />
        <Route path="/admin/webhooks/:id" element={g('admin', <WebhookLogPage />)} />
        <Route path="/platform/tenants" element={g('platform', <TenantsPage />)} />
        <Route path="/platform/plans" element={g('platform', <PlansPage />)} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}

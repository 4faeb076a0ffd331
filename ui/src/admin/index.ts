//! The admin area's pages, rendered by the shell under /admin/… and /platform/….
import './admin.css';
import './webhooks.css';

export { UsersPage } from './UsersPage';
export { QueuesPage } from './QueuesPage';
export { TagsPage } from './TagsPage';
export { QuickRepliesPage } from './QuickRepliesPage';
export { ContactsPage } from './ContactsPage';
export { BusinessHoursPage } from './BusinessHoursPage';
export { SettingsPage } from './SettingsPage';
export { PluginsPage } from './PluginsPage';
export { ApiKeysPage } from './ApiKeysPage';
export { WebhooksPage } from './WebhooksPage';
export { WebhookLogPage } from './WebhookLog';
export { TenantsPage } from './TenantsPage';
export { PlansPage } from './PlansPage';

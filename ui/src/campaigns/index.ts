//! The campaigns area, rendered by the shell under /campaigns: contact lists, campaigns, the
//! campaign form and a campaign's page with its report.
import '../admin/admin.css';
import './campaigns.css';

export { ListsPage } from './ListsPage';
export { ListPage } from './ListPage';
export { CampaignsPage } from './CampaignsPage';
export { CampaignFormPage } from './CampaignFormPage';
export { CampaignPage } from './CampaignPage';

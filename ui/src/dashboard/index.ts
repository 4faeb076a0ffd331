//! The dashboard area, rendered by the shell at /dashboard.
import './dashboard.css';

export { DashboardPage } from './DashboardPage';

//! The inbox area: what the app's routes import.
export { InboxPage } from './InboxPage';

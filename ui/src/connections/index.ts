//! The connections area: what the app's routes import.
export { ConnectionsPage } from './ConnectionsPage';
export { SimulatorPhonePage } from './SimulatorPhonePage';

//! The connections area: what the app's routes import.
export { ConnectionsPage } from './ConnectionsPage';
export { ConnectionPage } from './ConnectionPage';
export { SimulatorPhonePage } from './SimulatorPhonePage';

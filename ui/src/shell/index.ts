//! The shell's public face: what other areas of the app import.
export { AuthProvider, useAuth, hasRole, homePath, appLang, mustChangePassword, type AuthValue, type Role } from './auth';
export { Layout, useRoleName } from './Layout';
export { live, type LiveEvent, type LiveView, type LiveStatus } from './live';
export { Icons } from './icons';
export * from './ui';

//! Scheduled messages: the Schedules page, and the dialog other pages open to schedule a
//! message to a contact.
export { SchedulesPage } from './SchedulesPage';
export { ScheduleDialog } from './ScheduleDialog';

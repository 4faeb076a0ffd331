//! The admins' notices as the shell keeps them: one copy of each (a notice the socket
//! delivers again replaces the one known), newest first; and the days of failures a
//! `kept_failing` notice counts, read from the platform's English detail ("its deliveries
//! failed for 5 days"), which the app never shows as such.

/** What the list needs of a notice. */
export interface Dated {
  id: string;
  created_at: string;
}

const newestFirst = (a: Dated, b: Dated) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** `list` with `notice` in it (in place of a copy with its id), newest first. */
export function withNotice<T extends Dated>(list: readonly T[], notice: T): T[] {
  return [...list.filter((n) => n.id !== notice.id), notice].sort(newestFirst);
}

/** `list` without the notice `id`. */
export function withoutNotice<T extends Dated>(list: readonly T[], id: string): T[] {
  return list.filter((n) => n.id !== id);
}

/** How many days an endpoint's deliveries failed before it was turned off, when the detail says. */
export function failedDays(detail: string): number | undefined {
  const m = /failed for (\d+) days?/.exec(detail);
  return m ? Number(m[1]) : undefined;
}

//! Line icons for node types (inline SVG in `currentColor`, so they follow the theme and
//! render the same on every system), picked by kind, by a plugin's icon hint or by family.
import { memo } from 'react';
import type { NodeType } from '../api';

const PATHS = {
  bolt: 'M13 2 4 14h7l-1 8 9-12h-7z',
  chat: 'M4 5h16v11H9l-5 4z',
  branch: 'M6 3v12M6 15a3 3 0 1 0 0 .01M18 9a3 3 0 1 0 0-.01M18 9c0 4-6 3-12 6',
  ticket: 'M3 8a2 2 0 0 0 0 4v4h18v-4a2 2 0 0 1 0-4V4H3zM12 4v16',
  link: 'M10 14a4 4 0 0 0 6 0l3-3a4 4 0 0 0-6-6l-1 1M14 10a4 4 0 0 0-6 0l-3 3a4 4 0 0 0 6 6l1-1',
  puzzle: 'M9 3h6v3a2 2 0 1 0 4 0h2v6h-3a2 2 0 1 0 0 4h3v5H3v-5h3a2 2 0 1 0 0-4H3V3h3a2 2 0 1 0 4 0',
  question: 'M9 9a3 3 0 1 1 4 2.8c-.7.3-1 1-1 1.7V15M12 18.5v.5M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20',
  list: 'M9 6h11M9 12h11M9 18h11M4 6h.01M4 12h.01M4 18h.01',
  image: 'M3 5h18v14H3zM3 16l5-5 4 4 3-3 6 6M15.5 9.5h.01',
  clock: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20M12 7v5l3 2',
  stop: 'M5 5h14v14H5z',
  code: 'M8 7l-5 5 5 5M16 7l5 5-5 5M14 4l-4 16',
  calendar: 'M3 5h18v16H3zM3 10h18M8 3v4M16 3v4',
  tag: 'M3 3h8l10 10-8 8L3 11zM7.5 7.5h.01',
  user: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8M4 21a8 8 0 0 1 16 0',
  note: 'M5 3h10l4 4v14H5zM9 12h6M9 16h6',
  globe: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20M2 12h20M12 2c3 3 3 17 0 20M12 2c-3 3-3 17 0 20',
  variable: 'M7 4c-2 0-2 3-2 5s-2 3-2 3 2 1 2 3 0 5 2 5M17 4c2 0 2 3 2 5s2 3 2 3-2 1-2 3 0 5-2 5M9 9l6 6M15 9l-6 6',
  split: 'M4 12h6M10 12l4-6h6M10 12l4 6h6',
  mail: 'M3 5h18v14H3zM3 5l9 8 9-8',
  star: 'M12 3l2.8 5.8 6.2.9-4.5 4.4 1 6.2L12 17.4 6.5 20.3l1-6.2L3 9.7l6.2-.9z',
  database: 'M4 6c0-1.7 3.6-3 8-3s8 1.3 8 3-3.6 3-8 3-8-1.3-8-3M4 6v12c0 1.7 3.6 3 8 3s8-1.3 8-3V6M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3',
  cart: 'M3 4h2l2.5 11h11L21 7H6.2M9 20h.01M18 20h.01',
  bell: 'M6 9a6 6 0 1 1 12 0c0 6 3 7 3 7H3s3-1 3-7M10 20a2 2 0 0 0 4 0',
  flow: 'M3 3h6v6H3zM15 15h6v6h-6zM9 6h4a2 2 0 0 1 2 2v7',
} as const;

export type IconName = keyof typeof PATHS;

const BY_KIND: Record<string, IconName> = {
  'messaging.ask': 'question',
  'messaging.menu': 'list',
  'messaging.send_media': 'image',
  'logic.wait': 'clock',
  'logic.end': 'stop',
  'logic.script': 'code',
  'logic.business_hours': 'clock',
  'logic.set_variable': 'variable',
  'logic.random_split': 'split',
  'logic.subflow': 'flow',
  'trigger.schedule': 'calendar',
  'trigger.webhook': 'link',
  'trigger.campaign': 'bell',
  'contacts.add_tag': 'tag',
  'contacts.remove_tag': 'tag',
  'contacts.set_field': 'user',
  'tickets.assign_agent': 'user',
  'tickets.add_note': 'note',
  'integrations.http_request': 'globe',
  'integrations.emit_event': 'bell',
  'integrations.respond_webhook': 'link',
  'ai.chat': 'chat',
};

const BY_FAMILY: Record<string, IconName> = {
  triggers: 'bolt',
  messaging: 'chat',
  logic: 'branch',
  tickets: 'ticket',
  integrations: 'link',
  plugins: 'puzzle',
};

const HINTS: Record<string, IconName> = {
  email: 'mail',
  calendar: 'calendar',
  shopping: 'cart',
  store: 'cart',
  db: 'database',
  web: 'globe',
  http: 'globe',
  notification: 'bell',
  person: 'user',
  contact: 'user',
};

export function iconFor(type: NodeType | undefined, kind: string): IconName {
  const hint = type?.icon?.toLowerCase().replace(/[^a-z]/g, '');
  if (hint && hint in PATHS) return hint as IconName;
  if (hint && HINTS[hint]) return HINTS[hint];
  return BY_KIND[kind] ?? BY_FAMILY[type?.category ?? ''] ?? 'puzzle';
}

export const NodeIcon = memo(function NodeIcon({ name, size = 16 }: { name: IconName; size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.9" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d={PATHS[name]} />
    </svg>
  );
});

//! What the simulator's phone pages share: a chat on the simulated phone (a customer's number,
//! or a WhatsApp group where one member writes), how two spellings of a number compare, and
//! the chats this device opened (kept in localStorage with the names the server does not keep).

/** Someone who writes from the simulated phone. */
export interface Member {
  phone: string;
  name: string;
}

/** A chat on the simulated phone. */
export interface SimChat {
  /** The chat's key on the phone: the customer's number, or the group's id (`…@g.us`). */
  phone: string;
  /** The customer's name, or the group's subject. */
  name: string;
  /** In a group chat: the member who writes. */
  member?: Member;
}

export const digits = (s: string) => s.replace(/\D/g, '');

/** Whether `s` is a WhatsApp group id (`120363025246125486@g.us`). */
export const isGroupId = (s: string) => /^\d[\d-]*@g\.us$/i.test(s.trim());

/** A group id as typed, completed with `@g.us` when only its digits were given. */
export function groupIdOf(input: string): string {
  const s = input.trim();
  return /^\d[\d-]*$/.test(s) ? `${s}@g.us` : s;
}

/** A fresh group id of WhatsApp's shape, for a test group. */
export function newGroupId(): string {
  let n = '120363';
  while (n.length < 18) n += Math.floor(Math.random() * 10);
  return `${n}@g.us`;
}

/** Whether two ways of writing a number name the same chat (with or without country code). */
export function samePhone(a: string, b: string): boolean {
  if (isGroupId(a) || isGroupId(b)) return a.trim().toLowerCase() === b.trim().toLowerCase();
  const x = digits(a);
  const y = digits(b);
  if (!x || !y) return false;
  if (x === y) return true;
  return Math.min(x.length, y.length) >= 8 && (x.endsWith(y) || y.endsWith(x));
}

function recentKey(connectionId: string) {
  return `tucan.sim.recent.${connectionId}`;
}

const asMember = (v: unknown): Member | undefined => {
  const m = v as Partial<Member> | null | undefined;
  return m && typeof m.phone === 'string' ? { phone: m.phone, name: typeof m.name === 'string' ? m.name : '' } : undefined;
};

/** The chats this device opened last, most recent first. */
export function loadRecent(connectionId: string): SimChat[] {
  try {
    const v = JSON.parse(localStorage.getItem(recentKey(connectionId)) ?? '[]');
    return Array.isArray(v)
      ? v
          .filter((c) => typeof c?.phone === 'string')
          .map((c) => ({ phone: c.phone, name: typeof c.name === 'string' ? c.name : '', member: asMember(c.member) }))
      : [];
  } catch {
    return [];
  }
}

export function saveRecent(connectionId: string, chats: SimChat[]) {
  localStorage.setItem(recentKey(connectionId), JSON.stringify(chats));
}

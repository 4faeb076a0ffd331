//! Phone numbers as people read them: a contact's E.164 number (`+5511987654321`) shown as
//! `+55 11 98765-4321`, `+1 415 555 2671`, or grouped by the country calling code and blocks
//! of three or four digits elsewhere. What is not an E.164 number (a WhatsApp group's id, a
//! number typed some other way) is shown as it is. It imports nothing, so the unit tests
//! load it on its own.

/** Two-digit country calling codes; `1` and `7` are the one-digit ones, every other is three. */
const TWO_DIGIT = new Set([
  '20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44', '45', '46', '47', '48', '49',
  '51', '52', '53', '54', '55', '56', '57', '58', '60', '61', '62', '63', '64', '65', '66',
  '81', '82', '84', '86', '90', '91', '92', '93', '94', '95', '98',
]);

const E164 = /^\+[1-9]\d{5,14}$/;

/** The country calling code at the start of `digits` (an E.164 number without its `+`). */
export function callingCode(digits: string): string {
  if (digits[0] === '1' || digits[0] === '7') return digits[0];
  return TWO_DIGIT.has(digits.slice(0, 2)) ? digits.slice(0, 2) : digits.slice(0, 3);
}

/** Splits `digits` at the given lengths; what is left after them is one last block. */
function cut(digits: string, sizes: number[]): string[] {
  const out: string[] = [];
  let at = 0;
  for (const n of sizes) {
    if (at >= digits.length) break;
    out.push(digits.slice(at, at + n));
    at += n;
  }
  if (at < digits.length) out.push(digits.slice(at));
  return out;
}

/** Blocks of three or four digits (the longer ones last); up to four digits stay whole. */
function blocks(digits: string): string[] {
  const n = digits.length;
  if (n <= 4) return [digits];
  const count = Math.ceil(n / 4);
  const base = Math.floor(n / count);
  const longer = n % count;
  return cut(
    digits,
    Array.from({ length: count }, (_, i) => (i >= count - longer ? base + 1 : base)),
  );
}

/** The national part of a number grouped the way its country writes it, when known. */
function national(code: string, rest: string): string {
  const n = rest.length;
  switch (code) {
    case '55': // Brazil: area code, then 9XXXX-XXXX (mobile) or XXXX-XXXX.
      if (n === 10 || n === 11) return `${rest.slice(0, 2)} ${rest.slice(2, n - 4)}-${rest.slice(n - 4)}`;
      break;
    case '1': // The NANP: area code, exchange, line.
      if (n === 10) return cut(rest, [3, 3]).join(' ');
      break;
    case '54': // Argentina: mobiles carry a 9 before the area code; Buenos Aires's is 11.
      if (n === 11 && rest.startsWith('911')) return `9 11 ${rest.slice(3, 7)}-${rest.slice(7)}`;
      if (n === 10 && rest.startsWith('11')) return `11 ${rest.slice(2, 6)}-${rest.slice(6)}`;
      break;
    case '52': // Mexico: the three big cities have two-digit area codes.
      if (n === 10) return cut(rest, /^(55|33|81)/.test(rest) ? [2, 4] : [3, 3]).join(' ');
      break;
    case '56': // Chile: mobiles are 9 XXXX XXXX.
      if (n === 9 && rest.startsWith('9')) return cut(rest, [1, 4]).join(' ');
      break;
    case '34': // Spain, Portugal and Peru: three blocks of three.
    case '351':
    case '51':
      if (n === 9) return cut(rest, [3, 3]).join(' ');
      break;
    case '44': // The United Kingdom: London's 20, mobiles' 7XXX.
      if (n === 10 && rest.startsWith('20')) return cut(rest, [2, 4]).join(' ');
      if (n === 10 && rest.startsWith('7')) return cut(rest, [4]).join(' ');
      break;
    case '7': // Russia and Kazakhstan: XXX XXX-XX-XX.
      if (n === 10) return `${rest.slice(0, 3)} ${rest.slice(3, 6)}-${rest.slice(6, 8)}-${rest.slice(8)}`;
      break;
  }
  return blocks(rest).join(' ');
}

/**
 * `+5511987654321` → `+55 11 98765-4321`; anything that is not an E.164 number (a group's
 * id such as `120363025246125486@g.us`) comes back as it is.
 */
export function formatPhone(phone: string | null | undefined): string {
  if (!phone) return '';
  const trimmed = phone.trim();
  if (!E164.test(trimmed)) return phone;
  const digits = trimmed.slice(1);
  const code = callingCode(digits);
  const rest = digits.slice(code.length);
  if (!rest) return trimmed;
  return `+${code} ${national(code, rest)}`;
}

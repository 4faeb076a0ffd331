// keyword-router: sends a conversation down the branch whose keywords the customer used most.
//
// Node `classify` scores the message against each category's keywords. Matching ignores
// case, accents and punctuation, and works on whole words: "fatura" matches "Fatura!" but
// not "faturamento". A keyword of several words ("segunda via") matches that phrase and
// weighs one point per word, so a precise phrase outweighs a loose single word. A keyword
// ending in "*" matches any word starting with it ("pag*": pagar, pagamento).

import { Json, jsonNull, jsonNumber, jsonObject, jsonString, parseJson } from "../lib/json";
import { fail, kvGet, kvSet, log, readInput, respond } from "../lib/tucan";

// Lowercase Latin-1 letters U+00E0..U+00FF folded to ASCII; a space stands for ÷.
const FOLD_LATIN1 = "aaaaaaaceeeeiiiidnooooo ouuuuyty";

class Category {
  score: i32 = 0;
  constructor(
    public name: string,
    public keywords: string[],
  ) {}
}

export function classify(): i32 {
  const input = readInput();
  const categories = readCategories(input.config.get("categories"));
  if (categories.length == 0) return fail("config.categories must list at least one category with a name");

  // An explicit `text` (a template such as "{{vars.reason}}") takes the place of the message.
  const explicit = input.config.get("text").str();
  const message = input.message;
  const text = normalize(explicit != "" ? explicit : message !== null ? message : "");

  const scores = jsonObject();
  let best: Category | null = null;
  for (let i = 0; i < categories.length; i++) {
    const c = categories[i];
    c.score = scoreCategory(text, c.keywords);
    scores.set(c.name, jsonNumber(c.score));
    // Strictly greater: on a tie the category listed first wins.
    if (best === null || c.score > best.score) best = c;
  }

  const minScore = max(<i32>input.config.get("min_score").num(1), 1);
  if (best === null || best.score < minScore) {
    log("no category reached " + minScore.toString() + " point(s)");
    const top = best !== null ? best.score : 0;
    return respond("no_match", jsonObject().set("category", jsonNull()).set("score", jsonNumber(top)).set("scores", scores));
  }

  log("category " + best.name + " with " + best.score.toString() + " point(s)");
  const vars = jsonObject().set("category", jsonString(best.name)).set("score", jsonNumber(best.score)).set("scores", scores);
  if (input.config.get("count_hits").bool(false)) vars.set("category_hits", jsonNumber(countHit(best.name)));
  return respond("matched", vars);
}

function readCategories(list: Json): Category[] {
  const out: Category[] = [];
  for (let i = 0; i < list.length; i++) {
    const item = list.at(i);
    const name = item.get("name").str();
    if (name == "") continue;
    const words = item.get("keywords");
    const keywords: string[] = [];
    for (let j = 0; j < words.length; j++) {
      const kw = words.at(j).str();
      if (kw != "") keywords.push(kw);
    }
    out.push(new Category(name, keywords));
  }
  return out;
}

/**
 * Lowercase, accents folded, every run of non-letters turned into one space, with a space
 * at each end — so a whole word or phrase `w` is found by searching for " w ".
 */
function normalize(s: string): string {
  const lower = s.toLowerCase();
  const parts: string[] = [" "];
  let inWord = false;
  for (let i = 0; i < lower.length; i++) {
    const c = foldChar(lower.charCodeAt(i));
    const isWordChar = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c >= 0x100;
    if (isWordChar) {
      parts.push(String.fromCharCode(c));
      inWord = true;
    } else if (inWord) {
      parts.push(" ");
      inWord = false;
    }
  }
  if (inWord) parts.push(" ");
  return parts.join("");
}

function foldChar(c: i32): i32 {
  if (c >= 0xe0 && c <= 0xff) return FOLD_LATIN1.charCodeAt(c - 0xe0);
  return c;
}

function scoreCategory(text: string, keywords: string[]): i32 {
  let score = 0;
  for (let i = 0; i < keywords.length; i++) {
    let kw = keywords[i].trim();
    const prefix = kw.endsWith("*");
    if (prefix) kw = kw.substring(0, kw.length - 1);
    const words = normalize(kw).trim();
    if (words == "") continue;
    const weight = words.split(" ").length;
    score += countMatches(text, " " + words + (prefix ? "" : " ")) * weight;
  }
  return score;
}

function countMatches(text: string, pattern: string): i32 {
  let count = 0;
  let from = 0;
  while (true) {
    const at = text.indexOf(pattern, from);
    if (at < 0) return count;
    count++;
    // The next match may begin on the space that ended this one ("sim sim").
    from = at + max(pattern.length - 1, 1);
  }
}

/** Increments and returns this company's running count for `category` (kept in plugin storage). */
function countHit(category: string): f64 {
  const key = "hits:" + category;
  const stored = parseJson(kvGet(key));
  const hits = (stored !== null ? stored.num(0) : 0) + 1;
  if (!kvSet(key, jsonNumber(hits).stringify())) log("hit counter not saved: storage quota exceeded");
  return hits;
}

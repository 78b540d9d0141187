// Every console string, in English and in Hindi. The Hindi is written for the
// people who use iGOT, not transliterated. The chosen language is remembered per
// browser (localStorage holds only the language, never a token) and sets <html lang>.
import { en, hi, type Key } from './strings';

export type Lang = 'en' | 'hi';
const storageKey = 'karmayogi.lang';

function initial(): Lang {
  try {
    const saved = localStorage.getItem(storageKey);
    if (saved === 'en' || saved === 'hi') return saved;
  } catch {
    // storage refused: fall through
  }
  return navigator.language?.toLowerCase().startsWith('hi') ? 'hi' : 'en';
}

let current: Lang = initial();
const listeners = new Set<() => void>();
document.documentElement.lang = current;

export function lang(): Lang {
  return current;
}

export function setLang(l: Lang): void {
  current = l;
  document.documentElement.lang = l;
  try {
    localStorage.setItem(storageKey, l);
  } catch {
    // not remembered, still switched
  }
  listeners.forEach((f) => f());
}

export function onLangChange(f: () => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

/** The string for key in the current language, with {name} placeholders filled. */
export function t(key: Key, params?: Record<string, string | number>): string {
  let s: string = (current === 'hi' ? hi : en)[key];
  if (params) for (const [k, v] of Object.entries(params)) s = s.split(`{${k}}`).join(String(v));
  return s;
}

const numberFormats = new Map<string, Intl.NumberFormat>();
/** A number in the current language's style (digits stay Latin in both: iGOT's own choice). */
export function num(n: number, digits = 1): string {
  const k = `${current}:${digits}`;
  let f = numberFormats.get(k);
  if (!f) {
    f = new Intl.NumberFormat(current === 'hi' ? 'hi-IN' : 'en-IN', { maximumFractionDigits: digits, minimumFractionDigits: 0, numberingSystem: 'latn' });
    numberFormats.set(k, f);
  }
  return f.format(n);
}

export function date(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleDateString(current === 'hi' ? 'hi-IN' : 'en-IN', { year: 'numeric', month: 'short', day: 'numeric', numberingSystem: 'latn' } as Intl.DateTimeFormatOptions);
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(current === 'hi' ? 'hi-IN' : 'en-IN', { dateStyle: 'medium', timeStyle: 'short', numberingSystem: 'latn' } as Intl.DateTimeFormatOptions);
}

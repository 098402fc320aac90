// vue-i18n (composition mode) with Portuguese and English; the choice is kept on this device.
// vue-i18n 11 compiles messages without eval (JIT), so it runs under the strict CSP.
import { createI18n } from 'vue-i18n';
import { en, type MessageSchema } from './en.ts';
import { pt } from './pt.ts';
import { readJson, writeJson } from '../lib/storage.ts';

export const LOCALES = ['pt', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const LOCALE_NAMES: Record<Locale, string> = { pt: 'Português', en: 'English' };

export function initialLocale(): Locale {
  const saved = readJson<string>('locale');
  if (saved === 'pt' || saved === 'en') return saved;
  const nav = typeof navigator !== 'undefined' ? navigator.language : 'en';
  return nav.toLowerCase().startsWith('pt') ? 'pt' : 'en';
}

export function createAppI18n(locale: Locale = initialLocale()) {
  return createI18n<[MessageSchema], Locale, false>({
    legacy: false,
    locale,
    fallbackLocale: 'en',
    messages: { en, pt },
    missingWarn: false,
    fallbackWarn: false,
  });
}

export function saveLocale(locale: Locale): void {
  writeJson('locale', locale);
  if (typeof document !== 'undefined') document.documentElement.lang = locale === 'pt' ? 'pt-BR' : 'en';
}

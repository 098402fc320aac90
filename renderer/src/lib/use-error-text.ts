// Turns an error code (from ERRO or the connection store) into a sentence in the current language.
import { useI18n } from 'vue-i18n';

export function useErrorText(): (code: string | null | undefined) => string {
  const { t, te } = useI18n();
  return (code) => {
    if (!code) return '';
    const key = `errors.${code.split(':')[0]}`;
    return te(key) ? t(key) : t('errors.generic', { code });
  };
}

/** How a match ended (FIM_DE_JOGO.reason), in words; unknown reasons are shown as sent. */
export function useReasonText(): (reason: string) => string {
  const { t, te } = useI18n();
  return (reason) => (te(`end.reasons.${reason}`) ? t(`end.reasons.${reason}`) : reason);
}

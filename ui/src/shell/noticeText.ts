//! Texts of the notices to the company's admins (the bell in the app's header and its panel),
//! in English, Spanish and Portuguese (Brazil). One row per key: [English, Español, Português (Brasil)].
import { dict, type Dict } from '../i18n';

type Row = readonly [en: string, es: string, pt: string];

function table<K extends string>(rows: Record<K, Row>): Dict<K> {
  const d = { en: {}, es: {}, 'pt-BR': {} } as Dict<K>;
  for (const k in rows) {
    const [en, es, pt] = rows[k];
    d.en[k] = en;
    d.es[k] = es;
    d['pt-BR'][k] = pt;
  }
  return dict(d);
}

export const noticeText = table({
  notices: ['Notices', 'Avisos', 'Avisos'],
  noticesNew: ['Notices: {n} new', 'Avisos: {n} nuevos', 'Avisos: {n} novos'],
  empty: [
    'No notices. When the platform turns something off on its own, it tells you here.',
    'No hay avisos. Cuando la plataforma desactive algo por su cuenta, te lo dirá aquí.',
    'Nenhum aviso. Quando a plataforma desativar algo por conta própria, ela avisa aqui.',
  ],
  webhookGone: [
    'Webhook {url} was turned off: the receiver answered 410 Gone.',
    'El webhook {url} se desactivó: el receptor respondió 410 Gone.',
    'O webhook {url} foi desativado: o receptor respondeu 410 Gone.',
  ],
  webhookFailedDays: [
    'Webhook {url} was turned off: its deliveries failed for {days} days.',
    'El webhook {url} se desactivó: sus envíos fallaron durante {days} días.',
    'O webhook {url} foi desativado: os envios falharam por {days} dias.',
  ],
  webhookFailed: [
    'Webhook {url} was turned off: its deliveries kept failing.',
    'El webhook {url} se desactivó: sus envíos fallaban una y otra vez.',
    'O webhook {url} foi desativado: os envios continuavam falhando.',
  ],
  webhookOff: ['Webhook {url} was turned off.', 'El webhook {url} se desactivó.', 'O webhook {url} foi desativado.'],
  other: [
    'The platform changed something on its own: {subject}.',
    'La plataforma cambió algo por su cuenta: {subject}.',
    'A plataforma mudou algo por conta própria: {subject}.',
  ],
  openWebhooks: ['Go to webhooks', 'Ir a webhooks', 'Ir para webhooks'],
  dismiss: ['Dismiss', 'Descartar', 'Dispensar'],
  dismissed: ['Notice dismissed for every administrator.', 'Aviso descartado para todos los administradores.', 'Aviso dispensado para todos os administradores.'],
});

export type NoticeKey = keyof typeof noticeText.en;

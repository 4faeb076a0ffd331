//! Texts of the composer's two lists (quick replies after `/`, colleagues to mention after
//! `@` in a note) in English, Spanish and Portuguese (Brazil).
//! One row per key: [English, Español, Português (Brasil)].
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

export const composerText = table({
  qrWithFile: ['Sends a file too', 'Envía también un archivo', 'Envia também um arquivo'],
  qrPersonal: ['Personal', 'Personal', 'Pessoal'],
  qrGoesAs: ['Goes as:', 'Se enviará así:', 'Vai assim:'],
  qrFileGoes: ['with its file', 'con su archivo', 'com o arquivo'],
  mentionList: ['Colleagues to mention', 'Compañeros para mencionar', 'Colegas para mencionar'],
  mentionNone: ['No colleague matches.', 'Ningún compañero coincide.', 'Nenhum colega corresponde.'],
});

//! Texts of the quick replies page's personal and shared replies and their files, in English,
//! Spanish and Portuguese (Brazil). One row per key: [English, Español, Português (Brasil)].
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

export const qrText = table({
  subtitleAgent: [
    "Your own saved answers, and the company's shared ones. Type /shortcut in a reply to use one.",
    'Tus respuestas guardadas y las compartidas de la empresa. Escribe /atajo en una respuesta para usar una.',
    'Suas respostas salvas e as compartilhadas da empresa. Digite /atalho em uma resposta para usar uma.',
  ],
  shared: ['Shared', 'Compartida', 'Compartilhada'],
  personal: ['Personal', 'Personal', 'Pessoal'],
  scope: ['Who uses it', 'Quién la usa', 'Quem usa'],
  sharedHint: ['Every agent of the company can use it.', 'Todos los agentes de la empresa pueden usarla.', 'Todos os atendentes da empresa podem usá-la.'],
  personalHint: [
    'Only you see and use it; it wins over a shared one with the same shortcut.',
    'Solo tú la ves y la usas; gana sobre una compartida con el mismo atajo.',
    'Só você vê e usa; ela vale no lugar de uma compartilhada com o mesmo atalho.',
  ],
  personalOnly: [
    'Personal: only you see and use it.',
    'Personal: solo tú la ves y la usas.',
    'Pessoal: só você vê e usa.',
  ],
  readOnly: ['Shared by the company', 'Compartida por la empresa', 'Compartilhada pela empresa'],
  readOnlyHint: [
    'Supervisors and administrators change the shared replies.',
    'Los supervisores y administradores cambian las respuestas compartidas.',
    'Supervisores e administradores alteram as respostas compartilhadas.',
  ],
  withFile: ['With a file', 'Con un archivo', 'Com um arquivo'],
  file: ['File', 'Archivo', 'Arquivo'],
  fileHint: [
    'Optional: sent with the text as its caption. JPEG, PNG, GIF, WebP, PDF, Ogg, MP3, MP4 or WebM.',
    'Opcional: se envía con el texto como leyenda. JPEG, PNG, GIF, WebP, PDF, Ogg, MP3, MP4 o WebM.',
    'Opcional: vai com o texto como legenda. JPEG, PNG, GIF, WebP, PDF, Ogg, MP3, MP4 ou WebM.',
  ],
  attach: ['Attach a file', 'Adjuntar un archivo', 'Anexar um arquivo'],
  replaceFile: ['Replace the file', 'Reemplazar el archivo', 'Trocar o arquivo'],
  removeFile: ['Remove the file', 'Quitar el archivo', 'Remover o arquivo'],
  uploading: ['Uploading…', 'Subiendo…', 'Enviando arquivo…'],
  savedFile: ['Saved file', 'Archivo guardado', 'Arquivo salvo'],
  textOrFile: ['Write a text or attach a file.', 'Escribe un texto o adjunta un archivo.', 'Escreva um texto ou anexe um arquivo.'],
  messageHint: [
    '{n} of {max} characters. {{contact.name}}, {{agent.name}} and the other variables are filled in when it goes.',
    '{n} de {max} caracteres. {{contact.name}}, {{agent.name}} y las demás variables se completan al enviarla.',
    '{n} de {max} caracteres. {{contact.name}}, {{agent.name}} e as outras variáveis são preenchidas no envio.',
  ],
});

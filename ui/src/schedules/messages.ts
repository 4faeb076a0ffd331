//! Texts of scheduled messages: the Schedules page and the dialog that schedules or edits
//! one (also opened from the contacts page and the inbox's contact panel), in English,
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

export const schedText = table({
  // The page
  title: ['Scheduled messages', 'Mensajes programados', 'Mensagens agendadas'],
  subtitle: [
    'Messages that go to contacts later: once, or every day, week or month.',
    'Mensajes que se envían a los contactos más adelante: una vez, o cada día, semana o mes.',
    'Mensagens que vão para os contatos mais tarde: uma vez, ou todo dia, semana ou mês.',
  ],
  newSchedule: ['Schedule a message', 'Programar un mensaje', 'Agendar uma mensagem'],
  filterStatus: ['Show', 'Mostrar', 'Mostrar'],
  status_scheduled: ['Scheduled', 'Programado', 'Agendada'],
  status_sent: ['Sent', 'Enviado', 'Enviada'],
  status_cancelled: ['Cancelled', 'Cancelado', 'Cancelada'],
  status_failed: ['Failed', 'Falló', 'Falhou'],
  statusAll: ['All', 'Todos', 'Todas'],
  onlyMine: ['Only the ones I scheduled', 'Solo los que programé yo', 'Só as que eu agendei'],
  empty: ['No scheduled messages.', 'No hay mensajes programados.', 'Não há mensagens agendadas.'],
  emptyText: [
    'Schedule a reminder, a follow-up or a monthly notice to a contact.',
    'Programa un recordatorio, un seguimiento o un aviso mensual para un contacto.',
    'Agende um lembrete, um retorno ou um aviso mensal para um contato.',
  ],
  emptyFiltered: ['No messages in this list.', 'No hay mensajes en esta lista.', 'Não há mensagens nesta lista.'],
  colContact: ['Contact', 'Contacto', 'Contato'],
  colFrom: ['From', 'Desde', 'De'],
  colMessage: ['Message', 'Mensaje', 'Mensagem'],
  colWhen: ['When', 'Cuándo', 'Quando'],
  colRepeat: ['Repeat', 'Repetición', 'Repetição'],
  colStatus: ['Status', 'Estado', 'Status'],
  actions: ['Actions', 'Acciones', 'Ações'],
  byUser: ['by {name}', 'por {name}', 'por {name}'],
  unknownConnection: ['A removed number', 'Un número eliminado', 'Um número removido'],
  summaryTemplate: ['Template {name} ({language})', 'Plantilla {name} ({language})', 'Modelo {name} ({language})'],
  summaryFile: ['File', 'Archivo', 'Arquivo'],
  repeat_none: ['Once', 'Una vez', 'Uma vez'],
  repeat_daily: ['Every day', 'Cada día', 'Todo dia'],
  repeat_weekly: ['Every week', 'Cada semana', 'Toda semana'],
  repeat_monthly: ['Every month', 'Cada mes', 'Todo mês'],
  repeatUntil: ['until {date}', 'hasta el {date}', 'até {date}'],
  sentCount: ['Sent: {n}', 'Enviados: {n}', 'Enviadas: {n}'],
  lastError: ['Last try failed: {reason}', 'El último intento falló: {reason}', 'A última tentativa falhou: {reason}'],
  edit: ['Edit', 'Editar', 'Editar'],
  editNamed: ['Edit the message to {name}', 'Editar el mensaje para {name}', 'Editar a mensagem para {name}'],
  cancelMessage: ['Cancel', 'Cancelar', 'Cancelar'],
  cancelNamed: ['Cancel the message to {name}', 'Cancelar el mensaje para {name}', 'Cancelar a mensagem para {name}'],
  cancelTitle: ['Cancel this scheduled message?', '¿Cancelar este mensaje programado?', 'Cancelar esta mensagem agendada?'],
  cancelText: ['The message to {name} will not go.', 'El mensaje para {name} no se enviará.', 'A mensagem para {name} não será enviada.'],
  cancelTextRepeat: [
    'No more messages of this series will go to {name}.',
    'No se enviarán más mensajes de esta serie a {name}.',
    'Nenhuma outra mensagem desta série será enviada para {name}.',
  ],
  keep: ['Keep it', 'Mantenerlo', 'Manter'],
  cancelConfirm: ['Cancel the message', 'Cancelar el mensaje', 'Cancelar a mensagem'],
  cancelled: ['Scheduled message cancelled.', 'Mensaje programado cancelado.', 'Mensagem agendada cancelada.'],
  created: ['Message to {name} scheduled for {when}.', 'Mensaje para {name} programado para el {when}.', 'Mensagem para {name} agendada para {when}.'],
  saved: ['Changes saved.', 'Cambios guardados.', 'Alterações salvas.'],
  loadMore: ['Load more', 'Cargar más', 'Carregar mais'],
  loading: ['Loading…', 'Cargando…', 'Carregando…'],
  retry: ['Try again', 'Reintentar', 'Tentar de novo'],
  // The dialog
  dialogNew: ['Schedule a message', 'Programar un mensaje', 'Agendar uma mensagem'],
  dialogEdit: ['Edit scheduled message', 'Editar mensaje programado', 'Editar mensagem agendada'],
  contact: ['Contact', 'Contacto', 'Contato'],
  searchContacts: ['Search contacts by name, number or email', 'Buscar contactos por nombre, número o correo', 'Buscar contatos por nome, número ou e-mail'],
  contacts: ['Contacts', 'Contactos', 'Contatos'],
  noContactMatch: ['No contact matches.', 'Ningún contacto coincide.', 'Nenhum contato corresponde.'],
  noContacts: ['No contacts yet.', 'Todavía no hay contactos.', 'Ainda não há contatos.'],
  change: ['Change', 'Cambiar', 'Trocar'],
  group: ['Group', 'Grupo', 'Grupo'],
  pickContact: ['Choose a contact.', 'Elige un contacto.', 'Escolha um contato.'],
  connection: ['Send from', 'Enviar desde', 'Enviar de'],
  pickConnection: ['Choose a number', 'Elige un número', 'Escolha um número'],
  noConnections: ['The company has no WhatsApp number yet.', 'La empresa todavía no tiene ningún número de WhatsApp.', 'A empresa ainda não tem nenhum número de WhatsApp.'],
  cloudApi: ['Cloud API', 'Cloud API', 'Cloud API'],
  connectionDown: [
    'This number is not connected now: the message goes only if it is connected by then.',
    'Este número no está conectado ahora: el mensaje solo se envía si está conectado para entonces.',
    'Este número não está conectado agora: a mensagem só vai se ele estiver conectado até lá.',
  ],
  kindText: ['Text or file', 'Texto o archivo', 'Texto ou arquivo'],
  kindTextHint: ['A message, with a file if you like.', 'Un mensaje, con un archivo si quieres.', 'Uma mensagem, com um arquivo se quiser.'],
  kindTemplate: ['Template', 'Plantilla', 'Modelo'],
  kindTemplateHint: [
    'An approved template: it reaches customers who have not written in 24 hours.',
    'Una plantilla aprobada: llega a clientes que no escribieron en 24 horas.',
    'Um modelo aprovado: chega a clientes que não escreveram nas últimas 24 horas.',
  ],
  kind: ['What to send', 'Qué enviar', 'O que enviar'],
  template: ['Template', 'Plantilla', 'Modelo'],
  message: ['Message', 'Mensaje', 'Mensagem'],
  messagePlaceholder: ['Write the message…', 'Escribe el mensaje…', 'Escreva a mensagem…'],
  variablesHint: [
    '{{contact.name}}, {{agent.name}} and the other quick reply variables are filled in when it goes.',
    '{{contact.name}}, {{agent.name}} y las demás variables de las respuestas rápidas se completan al enviarlo.',
    '{{contact.name}}, {{agent.name}} e as outras variáveis das respostas rápidas são preenchidas no envio.',
  ],
  attach: ['Attach a file', 'Adjuntar un archivo', 'Anexar um arquivo'],
  file: ['File', 'Archivo', 'Arquivo'],
  fileKept: ['The file scheduled with it', 'El archivo programado con él', 'O arquivo agendado com ela'],
  removeFile: ['Remove the file', 'Quitar el archivo', 'Remover o arquivo'],
  uploading: ['Uploading…', 'Subiendo…', 'Enviando…'],
  bodyRequired: ['Write a message or attach a file.', 'Escribe un mensaje o adjunta un archivo.', 'Escreva uma mensagem ou anexe um arquivo.'],
  maxChars: ['At most {n} characters.', 'Como máximo {n} caracteres.', 'No máximo {n} caracteres.'],
  when: ['Send on', 'Enviar el', 'Enviar em'],
  whenHint: ['In your time zone ({tz}).', 'En tu zona horaria ({tz}).', 'No seu fuso horário ({tz}).'],
  whenRequired: ['Pick the date and time.', 'Elige la fecha y la hora.', 'Escolha a data e a hora.'],
  whenPast: ['Pick a moment in the future.', 'Elige un momento en el futuro.', 'Escolha um momento no futuro.'],
  repeat: ['Repeat', 'Repetir', 'Repetir'],
  repeatUntilLabel: ['Repeat until (optional)', 'Repetir hasta (opcional)', 'Repetir até (opcional)'],
  repeatUntilHint: ['The last day a message may go. Empty: no end.', 'El último día en que puede enviarse. Vacío: sin fin.', 'O último dia em que uma mensagem pode ir. Vazio: sem fim.'],
  untilBefore: ['The end must come after the first send.', 'El fin debe ser posterior al primer envío.', 'O fim precisa ser depois do primeiro envio.'],
  schedule: ['Schedule', 'Programar', 'Agendar'],
  saveChanges: ['Save changes', 'Guardar cambios', 'Salvar alterações'],
  cancel: ['Cancel', 'Cancelar', 'Cancelar'],
  noChanges: ['Nothing was changed.', 'No se cambió nada.', 'Nada foi alterado.'],
});

export type SchedKey = keyof typeof schedText.en;

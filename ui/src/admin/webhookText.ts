//! Texts of the webhooks page, its endpoint dialog and its delivery log, in English, Spanish
//! and Portuguese (Brazil). One row per key: [English, Español, Português (Brasil)].
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

export const whText = table({
  // The list of endpoints
  title: ['Webhooks', 'Webhooks', 'Webhooks'],
  subtitle: [
    "Send the company's events to other systems as they happen.",
    'Envía los eventos de la empresa a otros sistemas en el momento en que ocurren.',
    'Envie os eventos da empresa para outros sistemas no momento em que acontecem.',
  ],
  howItWorks: [
    'Each event goes as a POST with a JSON body, signed as the Standard Webhooks specification says (headers webhook-id, webhook-timestamp and webhook-signature). A call that fails goes again after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h; an answer 410, or five days of failures, turns the endpoint off.',
    'Cada evento se envía como un POST con cuerpo JSON, firmado según la especificación Standard Webhooks (cabeceras webhook-id, webhook-timestamp y webhook-signature). Una llamada que falla se repite tras 5 s, 5 min, 30 min, 2 h, 5 h, 10 h y 10 h; una respuesta 410, o cinco días de fallos, desactiva el endpoint.',
    'Cada evento vai como um POST com corpo JSON, assinado conforme a especificação Standard Webhooks (cabeçalhos webhook-id, webhook-timestamp e webhook-signature). Uma chamada que falha é repetida após 5 s, 5 min, 30 min, 2 h, 5 h, 10 h e 10 h; uma resposta 410, ou cinco dias de falhas, desativa o endpoint.',
  ],
  newEndpoint: ['New endpoint', 'Nuevo endpoint', 'Novo endpoint'],
  editEndpoint: ['Edit endpoint', 'Editar endpoint', 'Editar endpoint'],
  empty: ['No webhook endpoints yet.', 'Todavía no hay endpoints de webhook.', 'Ainda não há endpoints de webhook.'],
  emptyText: [
    'Add the address of a system that should hear about new messages, tickets, contacts or flow runs.',
    'Añade la dirección de un sistema que deba enterarse de mensajes, tickets, contactos o ejecuciones de flujos.',
    'Adicione o endereço de um sistema que deve saber de mensagens, tickets, contatos ou execuções de fluxos.',
  ],
  notInPlan: ["Webhooks are not part of the company's plan.", 'Los webhooks no están incluidos en el plan de la empresa.', 'Os webhooks não fazem parte do plano da empresa.'],
  notInPlanText: [
    "Ask the platform's administrator to include them in the plan.",
    'Pide al administrador de la plataforma que los incluya en el plan.',
    'Peça ao administrador da plataforma para incluí-los no plano.',
  ],
  endpointsList: ['Webhook endpoints', 'Endpoints de webhook', 'Endpoints de webhook'],
  noDescription: ['No description', 'Sin descripción', 'Sem descrição'],
  sendEvents: ['Send events to {url}', 'Enviar eventos a {url}', 'Enviar eventos para {url}'],
  turnedOn: ['Endpoint turned on.', 'Endpoint activado.', 'Endpoint ativado.'],
  turnedOff: ['Endpoint turned off: no events go to it.', 'Endpoint desactivado: no se le envían eventos.', 'Endpoint desativado: nenhum evento é enviado a ele.'],
  turnedOffBy: ['Turned off: {reason}', 'Desactivado: {reason}', 'Desativado: {reason}'],
  reasonGone: ['the receiver answered 410 Gone: it wants no more events', 'el receptor respondió 410 Gone: no quiere más eventos', 'o receptor respondeu 410 Gone: não quer mais eventos'],
  reasonFailing: ['its deliveries failed for {days} days', 'sus envíos fallaron durante {days} días', 'os envios falharam por {days} dias'],
  turnOnAgain: ['Turning it on again sends new events to it.', 'Al activarlo de nuevo se le envían los eventos nuevos.', 'Ao ativá-lo de novo, os eventos novos são enviados a ele.'],
  failingSince: ['Failing since {when}', 'Falla desde {when}', 'Falhando desde {when}'],
  eventsAll: ['All events', 'Todos los eventos', 'Todos os eventos'],
  moreEvents: ['+{n} more', '+{n} más', '+{n} mais'],
  onlyConnection: ['Number: {name}', 'Número: {name}', 'Número: {name}'],
  onlyQueue: ['Queue: {name}', 'Cola: {name}', 'Fila: {name}'],
  onlyTag: ['Tag: {name}', 'Etiqueta: {name}', 'Etiqueta: {name}'],
  noFilters: ['Every number, queue and tag', 'Todos los números, colas y etiquetas', 'Todos os números, filas e etiquetas'],
  deliveries: ['Delivery log', 'Registro de envíos', 'Registro de envios'],
  deliveriesOf: ['Delivery log of {url}', 'Registro de envíos de {url}', 'Registro de envios de {url}'],
  sendTest: ['Send test event', 'Enviar evento de prueba', 'Enviar evento de teste'],
  testQueued: ['A test event is on its way.', 'Un evento de prueba va en camino.', 'Um evento de teste está a caminho.'],
  rotate: ['Rotate secret', 'Rotar secreto', 'Trocar segredo'],
  rotateTitle: ['Rotate the signing secret?', '¿Rotar el secreto de firma?', 'Trocar o segredo de assinatura?'],
  rotateText: [
    'A new secret is made and shown once. The old one keeps signing calls beside it for 24 hours, so the receiver can switch without losing a call.',
    'Se crea un secreto nuevo y se muestra una sola vez. El anterior sigue firmando las llamadas junto a él durante 24 horas, para que el receptor pueda cambiar sin perder ninguna.',
    'Um novo segredo é criado e mostrado uma única vez. O antigo continua assinando as chamadas junto com ele por 24 horas, para o receptor trocar sem perder nenhuma.',
  ],
  rotateNamed: ['Rotate the secret of {url}', 'Rotar el secreto de {url}', 'Trocar o segredo de {url}'],
  testNamed: ['Send a test event to {url}', 'Enviar un evento de prueba a {url}', 'Enviar um evento de teste para {url}'],
  deleteTitle: ['Delete endpoint?', '¿Eliminar endpoint?', 'Excluir endpoint?'],
  deleteText: [
    'Delete the endpoint {url}? Its delivery log goes with it and no more events are sent there.',
    '¿Eliminar el endpoint {url}? Su registro de envíos se borra con él y no se le envían más eventos.',
    'Excluir o endpoint {url}? O registro de envios vai junto e nenhum evento é enviado para lá.',
  ],
  created: ['Endpoint created.', 'Endpoint creado.', 'Endpoint criado.'],
  // The signing secret
  secretCreatedTitle: ["The endpoint's signing secret", 'El secreto de firma del endpoint', 'O segredo de assinatura do endpoint'],
  secretRotatedTitle: ['The new signing secret', 'El nuevo secreto de firma', 'O novo segredo de assinatura'],
  signingSecret: ['Signing secret', 'Secreto de firma', 'Segredo de assinatura'],
  secretUsage: [
    'The receiver checks the webhook-signature header of each call with it (Standard Webhooks).',
    'El receptor comprueba con él la cabecera webhook-signature de cada llamada (Standard Webhooks).',
    'O receptor confere com ele o cabeçalho webhook-signature de cada chamada (Standard Webhooks).',
  ],
  secretOverlap: [
    'The old secret keeps signing beside this one for 24 hours: switch the receiver to the new one within that time.',
    'El secreto anterior sigue firmando junto a este durante 24 horas: cambia el receptor al nuevo dentro de ese plazo.',
    'O segredo antigo continua assinando junto com este por 24 horas: troque o receptor para o novo dentro desse prazo.',
  ],
  // The endpoint dialog
  url: ['URL', 'URL', 'URL'],
  urlHint: ['The https:// address of the system that receives the events.', 'La dirección https:// del sistema que recibe los eventos.', 'O endereço https:// do sistema que recebe os eventos.'],
  urlInvalid: ['Enter an address that starts with https:// or http://.', 'Escribe una dirección que empiece por https:// o http://.', 'Digite um endereço que comece com https:// ou http://.'],
  description: ['Description', 'Descripción', 'Descrição'],
  descriptionHint: ['Optional: what the endpoint is for.', 'Opcional: para qué sirve el endpoint.', 'Opcional: para que serve o endpoint.'],
  events: ['Events', 'Eventos', 'Eventos'],
  eventsHint: ['What is sent to this endpoint. A test event can always be sent.', 'Lo que se envía a este endpoint. Siempre se puede enviar un evento de prueba.', 'O que é enviado a este endpoint. Um evento de teste sempre pode ser enviado.'],
  eventsRequired: ['Pick at least one event.', 'Elige al menos un evento.', 'Escolha ao menos um evento.'],
  allEvents: ['All events', 'Todos los eventos', 'Todos os eventos'],
  allEventsHint: ['Every event, the custom ones and any added later included.', 'Todos los eventos, incluidos los personalizados y los que se añadan después.', 'Todos os eventos, incluindo os personalizados e os que forem adicionados depois.'],
  family_message: ['Messages', 'Mensajes', 'Mensagens'],
  family_ticket: ['Tickets', 'Tickets', 'Tickets'],
  family_contact: ['Contacts', 'Contactos', 'Contatos'],
  family_flow: ['Flow runs', 'Ejecuciones de flujos', 'Execuções de fluxos'],
  family_other: ['Other', 'Otros', 'Outros'],
  ev_message_received: ['Message received', 'Mensaje recibido', 'Mensagem recebida'],
  ev_message_sent: ['Message sent', 'Mensaje enviado', 'Mensagem enviada'],
  ev_message_status: ['Message status (delivered, read…)', 'Estado del mensaje (entregado, leído…)', 'Status da mensagem (entregue, lida…)'],
  ev_ticket_created: ['Ticket created', 'Ticket creado', 'Ticket criado'],
  ev_ticket_updated: ['Ticket updated', 'Ticket actualizado', 'Ticket atualizado'],
  ev_ticket_closed: ['Ticket closed', 'Ticket cerrado', 'Ticket fechado'],
  ev_contact_created: ['Contact created', 'Contacto creado', 'Contato criado'],
  ev_contact_updated: ['Contact updated', 'Contacto actualizado', 'Contato atualizado'],
  ev_flow_run_completed: ['Flow run completed', 'Ejecución de flujo completada', 'Execução de fluxo concluída'],
  ev_flow_run_failed: ['Flow run failed', 'Ejecución de flujo fallida', 'Execução de fluxo com falha'],
  ev_webhook_test: ['Test event', 'Evento de prueba', 'Evento de teste'],
  customEvents: ['Custom events', 'Eventos personalizados', 'Eventos personalizados'],
  customHint: [
    'Flows send them with the "Emit event" node, as custom.<name>.',
    'Los flujos los envían con el nodo «Emitir evento», como custom.<nombre>.',
    'Os fluxos os enviam com o nó "Emitir evento", como custom.<nome>.',
  ],
  allCustom: ['All custom events', 'Todos los eventos personalizados', 'Todos os eventos personalizados'],
  customName: ['Custom event name', 'Nombre del evento personalizado', 'Nome do evento personalizado'],
  customNameHint: ['For example order.paid, sent as custom.order.paid.', 'Por ejemplo order.paid, enviado como custom.order.paid.', 'Por exemplo order.paid, enviado como custom.order.paid.'],
  customAdd: ['Add', 'Añadir', 'Adicionar'],
  customInvalid: [
    'Use 1 to 64 lower-case letters, digits, ".", "_" or "-".',
    'Usa de 1 a 64 letras minúsculas, dígitos, «.», «_» o «-».',
    'Use de 1 a 64 letras minúsculas, dígitos, ".", "_" ou "-".',
  ],
  customDuplicate: ['This custom event is already in the list.', 'Este evento personalizado ya está en la lista.', 'Este evento personalizado já está na lista.'],
  customRemove: ['Remove {name}', 'Quitar {name}', 'Remover {name}'],
  filters: ['Filters', 'Filtros', 'Filtros'],
  filtersHint: [
    'Optional: only events of this number, of tickets in this queue, or of tickets and contacts with this tag.',
    'Opcional: solo los eventos de este número, de tickets en esta cola o de tickets y contactos con esta etiqueta.',
    'Opcional: só os eventos deste número, de tickets nesta fila ou de tickets e contatos com esta etiqueta.',
  ],
  filterConnection: ['Number', 'Número', 'Número'],
  filterQueue: ['Queue', 'Cola', 'Fila'],
  filterTag: ['Tag', 'Etiqueta', 'Etiqueta'],
  anyConnection: ['Any number', 'Cualquier número', 'Qualquer número'],
  anyQueue: ['Any queue', 'Cualquier cola', 'Qualquer fila'],
  anyTag: ['Any tag', 'Cualquier etiqueta', 'Qualquer etiqueta'],
  enabledField: ['Send events to it', 'Enviarle eventos', 'Enviar eventos a ele'],
  // The delivery log
  backToWebhooks: ['Webhooks', 'Webhooks', 'Webhooks'],
  endpointGone: ['This endpoint does not exist any more.', 'Este endpoint ya no existe.', 'Este endpoint não existe mais.'],
  refresh: ['Refresh', 'Actualizar', 'Atualizar'],
  time: ['Time', 'Hora', 'Horário'],
  event: ['Event', 'Evento', 'Evento'],
  attempts: ['Attempts', 'Intentos', 'Tentativas'],
  response: ['Response', 'Respuesta', 'Resposta'],
  duration: ['Duration', 'Duración', 'Duração'],
  nextAttempt: ['Next attempt', 'Próximo intento', 'Próxima tentativa'],
  st_pending: ['Pending', 'Pendiente', 'Pendente'],
  st_succeeded: ['Succeeded', 'Entregado', 'Entregue'],
  st_failed: ['Failed', 'Fallido', 'Falhou'],
  ms: ['{n} ms', '{n} ms', '{n} ms'],
  noAnswer: ['no answer', 'sin respuesta', 'sem resposta'],
  showDelivery: ['Show the delivery of {when}', 'Ver el envío de {when}', 'Ver o envio de {when}'],
  hideDelivery: ['Hide the delivery of {when}', 'Ocultar el envío de {when}', 'Ocultar o envio de {when}'],
  payload: ['Body sent', 'Cuerpo enviado', 'Corpo enviado'],
  responseExcerpt: ['Start of the answer', 'Inicio de la respuesta', 'Início da resposta'],
  error: ['Error', 'Error', 'Erro'],
  noResponseBody: ['The answer had no body.', 'La respuesta no tenía cuerpo.', 'A resposta não tinha corpo.'],
  notSentYet: ['Not sent yet.', 'Todavía no se envió.', 'Ainda não foi enviado.'],
  eventId: ['webhook-id: {id}', 'webhook-id: {id}', 'webhook-id: {id}'],
  sendAgain: ['Send again', 'Enviar de nuevo', 'Enviar de novo'],
  sentAgain: ['Queued to go again.', 'En cola para enviarse de nuevo.', 'Na fila para ir de novo.'],
  redeliverLegend: ['Send failed deliveries again', 'Reenviar los envíos fallidos', 'Reenviar os envios com falha'],
  redeliverSince: ['Every failed delivery since', 'Todos los envíos fallidos desde', 'Todos os envios com falha desde'],
  redeliverHint: [
    'Each goes again as a new delivery with the same webhook-id, so the receiver can tell it apart.',
    'Cada uno se envía de nuevo como un envío nuevo con el mismo webhook-id, para que el receptor lo reconozca.',
    'Cada um vai de novo como um envio novo com o mesmo webhook-id, para o receptor reconhecê-lo.',
  ],
  redeliverQueued: ['Deliveries queued again: {n}.', 'Envíos en cola de nuevo: {n}.', 'Envios na fila de novo: {n}.'],
  sinceInvalid: ['Pick a date and time.', 'Elige una fecha y hora.', 'Escolha uma data e hora.'],
  logEmpty: ['No deliveries yet.', 'Todavía no hay envíos.', 'Ainda não há envios.'],
  logEmptyText: ['Send a test event to see one here.', 'Envía un evento de prueba para ver uno aquí.', 'Envie um evento de teste para ver um aqui.'],
});

export type WhKey = keyof typeof whText.en;

/** The key of an event type's name (`message.received` → `ev_message_received`), when it has one. */
export function eventKey(type: string): WhKey | undefined {
  const k = `ev_${type.replace(/\./g, '_')}`;
  return k in whText.en ? (k as WhKey) : undefined;
}

/** The webhook texts' translate function, as `useT(whText)` answers it. */
export type WhT = (key: WhKey, vars?: Record<string, string | number>) => string;

/** Why the platform turned an endpoint off, in the user's words when it is a known reason. */
export function reasonText(w: WhT, reason: string): string {
  if (/\b410\b/.test(reason)) return w('reasonGone');
  const days = /failed for (\d+) days/.exec(reason);
  return days ? w('reasonFailing', { days: days[1] }) : reason;
}

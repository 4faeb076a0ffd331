//! Texts of the inbox's service-desk details (taking over from a flow or a queue's bot, who
//! wrote a ticket's last line, the list's filters by agent, number and opening date, voice
//! notes' transcripts) in English, Spanish and Portuguese (Brazil). One row per key:
//! [English, Español, Português (Brasil)].
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

export const detailText = table({
  takeOverTitle: ['Take over from the flow?', '¿Tomar el control del flujo?', 'Assumir o lugar do fluxo?'],
  takeOverText: [
    'A flow is still talking to this customer. Take over and stop it?',
    'Un flujo todavía está hablando con este cliente. ¿Tomar el control y detenerlo?',
    'Um fluxo ainda está conversando com este cliente. Assumir e interrompê-lo?',
  ],
  takeOver: ['Take over', 'Tomar el control', 'Assumir'],
  tookOver: ['You took over from the flow.', 'Tomaste el control; el flujo se detuvo.', 'Você assumiu; o fluxo foi interrompido.'],
  tookOverBot: ['You took over from the bot.', 'Tomaste el control; el bot se detuvo.', 'Você assumiu; o bot foi interrompido.'],
  tabBot: ['Bot', 'Bot', 'Bot'],
  statusBot: ['With a bot', 'Con un bot', 'Com um bot'],
  emptyBot: ['No conversation is with a bot right now.', 'Ninguna conversación está con un bot ahora.', 'Nenhuma conversa está com um bot agora.'],
  botHandling: ['A bot is handling this conversation.', 'Un bot está atendiendo esta conversación.', 'Um bot está atendendo esta conversa.'],
  botHandlingHint: [
    "The queue's bot talks to the customer; agents see the ticket once it hands it over. Take over to answer yourself: the bot stops.",
    'El bot de la cola habla con el cliente; los agentes ven el ticket cuando lo entrega. Toma el control para responder tú: el bot se detiene.',
    'O bot da fila conversa com o cliente; os atendentes veem o atendimento quando ele o repassa. Assuma para responder você mesmo: o bot é interrompido.',
  ],
  queueBotHint: ["The queue's bot is handling this conversation", 'El bot de la cola está atendiendo esta conversación', 'O bot da fila está atendendo esta conversa'],
  transcript: ['Transcript', 'Transcripción', 'Transcrição'],
  bot: ['bot', 'bot', 'bot'],
  botHint: ['A flow is talking to this customer', 'Un flujo está hablando con este cliente', 'Um fluxo está conversando com este cliente'],
  byAgent: ['Agent:', 'Agente:', 'Atendente:'],
  byBot: ['Bot:', 'Bot:', 'Bot:'],
  moreFilters: ['More filters', 'Más filtros', 'Mais filtros'],
  moreFiltersOn: ['More filters ({n})', 'Más filtros ({n})', 'Mais filtros ({n})'],
  agentFilter: ['Agent', 'Agente', 'Atendente'],
  allAgents: ['All agents', 'Todos los agentes', 'Todos os atendentes'],
  numberFilter: ['Number', 'Número', 'Número'],
  allNumbers: ['All numbers', 'Todos los números', 'Todos os números'],
  openedFrom: ['Opened from', 'Abierto desde', 'Aberto a partir de'],
  openedTo: ['Opened until', 'Abierto hasta', 'Aberto até'],
  datesReversed: ['The end date comes before the start date.', 'La fecha final es anterior a la inicial.', 'A data final é anterior à inicial.'],
  clearFilters: ['Clear filters', 'Quitar filtros', 'Limpar filtros'],
});

export type DetailKey = keyof typeof detailText.en;

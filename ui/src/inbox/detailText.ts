//! Texts of the inbox's service-desk details (taking over from a flow, who wrote a ticket's
//! last line, the list's filters by agent, number and opening date) in English, Spanish and
//! Portuguese (Brazil). One row per key: [English, Español, Português (Brasil)].
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

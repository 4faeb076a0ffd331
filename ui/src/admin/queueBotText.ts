//! Texts of a queue's bot (the queue form's "Bot" section and the queue card's badge), in
//! English, Spanish and Portuguese (Brazil). One row per key: [English, Español, Português (Brasil)].
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

export const botText = table({
  bot: ['Bot', 'Bot', 'Bot'],
  note: [
    "A bot talks to the customers of the queue's new tickets before agents see them. Supervisors and administrators follow those conversations in the inbox's Bot tab, and can take over.",
    'Un bot habla con los clientes de los tickets nuevos de la cola antes de que los vean los agentes. Supervisores y administradores siguen esas conversaciones en la pestaña Bot de la bandeja y pueden tomar el control.',
    'Um bot conversa com os clientes dos atendimentos novos da fila antes que os atendentes os vejam. Supervisores e administradores acompanham essas conversas na aba Bot dos atendimentos e podem assumir.',
  ],
  none: ['None', 'Ninguno', 'Nenhum'],
  noneHint: ["New tickets wait for the queue's agents.", 'Los tickets nuevos esperan a los agentes de la cola.', 'Os atendimentos novos aguardam os atendentes da fila.'],
  flow: ['A flow', 'Un flujo', 'Um fluxo'],
  flowHint: [
    "The flow starts at its manual trigger when a ticket enters the queue; when its run ends the ticket goes to the queue's agents.",
    'El flujo empieza en su disparador manual cuando un ticket entra en la cola; cuando su ejecución termina, el ticket pasa a los agentes de la cola.',
    'O fluxo começa no seu gatilho manual quando um atendimento entra na fila; quando a execução termina, o atendimento vai para os atendentes da fila.',
  ],
  endpoint: ['An external endpoint', 'Un endpoint externo', 'Um endpoint externo'],
  endpointHint: [
    'Called with each customer message; answers with messages and whether to hand over to a human. For n8n, Typebot or your own service.',
    'Se llama con cada mensaje del cliente; responde con mensajes y si hay que pasar a una persona. Para n8n, Typebot o tu propio servicio.',
    'É chamado a cada mensagem do cliente; responde com mensagens e se deve passar para um humano. Para n8n, Typebot ou seu próprio serviço.',
  ],
  flowField: ['Flow', 'Flujo', 'Fluxo'],
  flowPick: ['Choose a flow…', 'Elige un flujo…', 'Escolha um fluxo…'],
  flowRequired: ['Choose the flow.', 'Elige el flujo.', 'Escolha o fluxo.'],
  flowUnpublished: ['{name} (not published)', '{name} (sin publicar)', '{name} (não publicado)'],
  flowUnpublishedNote: [
    'This flow is not published yet: publish it so the bot can start it.',
    'Este flujo todavía no está publicado: publícalo para que el bot pueda iniciarlo.',
    'Este fluxo ainda não foi publicado: publique-o para que o bot possa iniciá-lo.',
  ],
  flowGone: ['A flow that no longer exists', 'Un flujo que ya no existe', 'Um fluxo que não existe mais'],
  noFlows: [
    'The company has no flows yet: create one under Flows first.',
    'La empresa todavía no tiene flujos: crea uno en Flujos primero.',
    'A empresa ainda não tem fluxos: crie um em Fluxos primeiro.',
  ],
  url: ['Endpoint URL', 'URL del endpoint', 'URL do endpoint'],
  urlHint: [
    'It gets a POST with the message and the conversation, and answers {"messages": […], "handover": false}.',
    'Recibe un POST con el mensaje y la conversación, y responde {"messages": […], "handover": false}.',
    'Recebe um POST com a mensagem e a conversa, e responde {"messages": […], "handover": false}.',
  ],
  urlRequired: ["Enter the endpoint's address.", 'Escribe la dirección del endpoint.', 'Digite o endereço do endpoint.'],
  urlInvalid: [
    'Enter an address that starts with https:// or http://.',
    'Escribe una dirección que empiece por https:// o http://.',
    'Digite um endereço que comece com https:// ou http://.',
  ],
  refused: ['This bot was refused: check the flow or the address.', 'Se rechazó este bot: revisa el flujo o la dirección.', 'Este bot foi recusado: verifique o fluxo ou o endereço.'],
  badgeFlow: ['Bot: the flow {name}', 'Bot: el flujo {name}', 'Bot: o fluxo {name}'],
  badgeEndpoint: ['Bot: {url}', 'Bot: {url}', 'Bot: {url}'],
});

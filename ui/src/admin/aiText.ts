//! Texts of the settings page's AI provider card, in English, Spanish and Portuguese (Brazil).
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

export const aiText = table({
  title: ['AI provider', 'Proveedor de IA', 'Provedor de IA'],
  help: [
    'The "AI chat" steps of flows (ai.chat) ask this provider, which can be any API compatible with OpenAI\'s chat completions. Each step sends a system prompt, the conversation\'s recent messages and a prompt; the answer goes to a variable of the run, or to the customer.',
    'Los pasos «Chat con IA» de los flujos (ai.chat) consultan a este proveedor, que puede ser cualquier API compatible con las chat completions de OpenAI. Cada paso envía un prompt de sistema, los mensajes recientes de la conversación y un prompt; la respuesta va a una variable de la ejecución o al cliente.',
    'Os passos "Chat com IA" dos fluxos (ai.chat) consultam este provedor, que pode ser qualquer API compatível com as chat completions da OpenAI. Cada passo envia um prompt de sistema, as mensagens recentes da conversa e um prompt; a resposta vai para uma variável da execução ou para o cliente.',
  ],
  notSetUp: [
    'No provider is set up yet: AI chat steps end on their error port.',
    'Todavía no hay un proveedor configurado: los pasos de chat con IA terminan por su salida de error.',
    'Ainda não há um provedor configurado: os passos de chat com IA terminam pela saída de erro.',
  ],
  keySet: ['A key is set', 'Hay una clave guardada', 'Há uma chave salva'],
  noKey: ['No key', 'Sin clave', 'Sem chave'],
  baseUrl: ['Base URL', 'URL base', 'URL base'],
  baseUrlHint: [
    'The API\'s address, without /chat/completions, e.g. https://api.openai.com/v1.',
    'La dirección de la API, sin /chat/completions, p. ej. https://api.openai.com/v1.',
    'O endereço da API, sem /chat/completions, p. ex. https://api.openai.com/v1.',
  ],
  baseUrlRequired: ["Enter the API's address.", 'Escribe la dirección de la API.', 'Digite o endereço da API.'],
  baseUrlInvalid: [
    'Enter an address that starts with https:// or http://.',
    'Escribe una dirección que empiece por https:// o http://.',
    'Digite um endereço que comece com https:// ou http://.',
  ],
  model: ['Model', 'Modelo', 'Modelo'],
  modelHint: [
    'The model AI chat steps use unless they name one, e.g. gpt-4o-mini.',
    'El modelo que usan los pasos de chat con IA si no indican otro, p. ej. gpt-4o-mini.',
    'O modelo que os passos de chat com IA usam se não indicarem outro, p. ex. gpt-4o-mini.',
  ],
  modelRequired: ['Enter a model.', 'Escribe un modelo.', 'Digite um modelo.'],
  newKey: ['New key', 'Nueva clave', 'Nova chave'],
  newKeyHintSet: [
    'Leave it empty to keep the key that is set. A key is kept encrypted and never shown again.',
    'Déjala vacía para conservar la clave guardada. La clave se guarda cifrada y no se vuelve a mostrar.',
    'Deixe vazia para manter a chave salva. A chave fica guardada criptografada e não é mostrada de novo.',
  ],
  newKeyHintNone: [
    "The provider's API key, if it asks for one. A key is kept encrypted and never shown again.",
    'La clave de API del proveedor, si la pide. La clave se guarda cifrada y no se vuelve a mostrar.',
    'A chave de API do provedor, se ele pedir uma. A chave fica guardada criptografada e não é mostrada de novo.',
  ],
  transcriptionModel: ['Transcription model', 'Modelo de transcripción', 'Modelo de transcrição'],
  transcriptionModelHint: [
    "Customers' voice notes are transcribed with this model (e.g. whisper-1), and agents read the text under the audio; leave it empty to not transcribe them.",
    'Las notas de voz de los clientes se transcriben con este modelo (p. ej. whisper-1) y los agentes leen el texto bajo el audio; déjalo vacío para no transcribirlas.',
    'Os áudios dos clientes são transcritos com este modelo (p. ex. whisper-1) e os atendentes leem o texto abaixo do áudio; deixe vazio para não transcrevê-los.',
  ],
  removeKey: ['Remove the key', 'Quitar la clave', 'Remover a chave'],
  removeTitle: ['Remove the key?', '¿Quitar la clave?', 'Remover a chave?'],
  removeText: [
    'AI chat steps then ask the provider without a key, which most providers refuse. The base URL and the model stay as they are.',
    'Los pasos de chat con IA consultarán entonces al proveedor sin clave, algo que la mayoría de los proveedores rechaza. La URL base y el modelo quedan como están.',
    'Os passos de chat com IA passam a consultar o provedor sem chave, o que a maioria dos provedores recusa. A URL base e o modelo ficam como estão.',
  ],
  saved: ['AI provider saved.', 'Proveedor de IA guardado.', 'Provedor de IA salvo.'],
  keyRemoved: ['The key was removed.', 'Se quitó la clave.', 'A chave foi removida.'],
});

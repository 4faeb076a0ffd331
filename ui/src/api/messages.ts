//! What people read for an error of the API: one sentence per stable code (the table
//! "Error codes" in README.md, `ErrorCode::as_str` in core/model/src/error.rs) in English,
//! Spanish and Portuguese (Brazil), plus the server's message where it names the problem.
//! One row per code: [English, Español, Português (Brasil)].
import type { Dict, Lang } from '../i18n';

type Row = readonly [en: string, es: string, pt: string];

/** Every code the API answers with. */
export const API_ERROR_CODES = [
  'INVALID_BODY',
  'INVALID_PARAM',
  'INVALID_EMAIL',
  'INVALID_PHONE',
  'INVALID_FIELD',
  'INVALID_CSV',
  'INVALID_FLOW',
  'PLUGIN_INVALID',
  'UNKNOWN_SETTING',
  'INVALID_SETTING_VALUE',
  'UNAUTHORIZED',
  'INVALID_CREDENTIALS',
  'TOKEN_EXPIRED',
  'TOKEN_INVALID',
  'REFRESH_TOKEN_INVALID',
  'REFRESH_TOKEN_REUSED',
  'RESET_TOKEN_INVALID',
  'SIGNATURE_INVALID',
  'FORBIDDEN',
  'PLAN_LIMIT_REACHED',
  'FEATURE_DISABLED',
  'TENANT_SUSPENDED',
  'PASSWORD_CHANGE_REQUIRED',
  'NOT_FOUND',
  'TENANT_NOT_FOUND',
  'PLAN_NOT_FOUND',
  'USER_NOT_FOUND',
  'API_KEY_NOT_FOUND',
  'CONTACT_NOT_FOUND',
  'TAG_NOT_FOUND',
  'QUEUE_NOT_FOUND',
  'QUICK_REPLY_NOT_FOUND',
  'SETTING_NOT_FOUND',
  'CONNECTION_NOT_FOUND',
  'TICKET_NOT_FOUND',
  'MESSAGE_NOT_FOUND',
  'MEDIA_NOT_FOUND',
  'SCHEDULED_MESSAGE_NOT_FOUND',
  'FLOW_NOT_FOUND',
  'FLOW_VERSION_NOT_FOUND',
  'RUN_NOT_FOUND',
  'WEBHOOK_NOT_FOUND',
  'PLUGIN_NOT_FOUND',
  'PLUGIN_VERSION_NOT_FOUND',
  'DEAD_JOB_NOT_FOUND',
  'WEBHOOK_ENDPOINT_NOT_FOUND',
  'WEBHOOK_DELIVERY_NOT_FOUND',
  'NOTICE_NOT_FOUND',
  'CONTACT_LIST_NOT_FOUND',
  'CAMPAIGN_NOT_FOUND',
  'CAMPAIGN_STATE',
  'METHOD_NOT_ALLOWED',
  'EMAIL_TAKEN',
  'CONTACT_EXISTS',
  'NAME_TAKEN',
  'PLAN_IN_USE',
  'PLUGIN_IN_USE',
  'FLOW_NOT_PUBLISHED',
  'RUN_ACTIVE',
  'RUN_NOT_WAITING',
  'TICKET_STATE',
  'WINDOW_CLOSED',
  'IDEMPOTENCY_KEY_REUSED',
  'FLOW_TALKING',
  'BODY_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'TOO_MANY_ATTEMPTS',
  'INTERNAL',
  'UNAVAILABLE',
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/**
 * Codes of the app itself: `NETWORK` when no answer came (the server is out of reach),
 * `UNKNOWN` for any other failure, and for a code this version of the app does not know.
 */
export type ClientErrorCode = 'NETWORK' | 'UNKNOWN';

export type ErrorTextKey = ApiErrorCode | ClientErrorCode;

/** Codes whose message from the server names what is wrong: it is shown after the sentence. */
export const DETAILED_CODES: ReadonlySet<string> = new Set<ApiErrorCode>([
  'INVALID_BODY',
  'INVALID_PARAM',
  'INVALID_EMAIL',
  'INVALID_PHONE',
  'INVALID_FIELD',
  'INVALID_CSV',
  'INVALID_FLOW',
  'PLUGIN_INVALID',
  'UNKNOWN_SETTING',
  'INVALID_SETTING_VALUE',
  'PLAN_LIMIT_REACHED',
  'FEATURE_DISABLED',
  'NAME_TAKEN',
  'PLAN_IN_USE',
  'PLUGIN_IN_USE',
  'RUN_NOT_WAITING',
  'TICKET_STATE',
  'BODY_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
]);

function table<K extends string>(rows: Record<K, Row>): Dict<K> {
  const d = { en: {}, es: {}, 'pt-BR': {} } as Dict<K>;
  for (const k in rows) {
    const [en, es, pt] = rows[k];
    d.en[k] = en;
    d.es[k] = es;
    d['pt-BR'][k] = pt;
  }
  return d;
}

export const errorMessages = table<ErrorTextKey>({
  // 400
  INVALID_BODY: ['The request has a value that is not valid.', 'La solicitud tiene un valor que no es válido.', 'A solicitação tem um valor que não é válido.'],
  INVALID_PARAM: ['A parameter of the request is not valid.', 'Un parámetro de la solicitud no es válido.', 'Um parâmetro da solicitação não é válido.'],
  INVALID_EMAIL: ['This email address is not valid.', 'Esta dirección de correo no es válida.', 'Este endereço de e-mail não é válido.'],
  INVALID_PHONE: ['This phone number is not valid.', 'Este número de teléfono no es válido.', 'Este número de telefone não é válido.'],
  INVALID_FIELD: ['A field has a value that is not valid.', 'Un campo tiene un valor que no es válido.', 'Um campo tem um valor que não é válido.'],
  INVALID_CSV: ['The file (CSV or XLSX) could not be read.', 'No se pudo leer el archivo (CSV o XLSX).', 'Não foi possível ler o arquivo (CSV ou XLSX).'],
  INVALID_FLOW: ['This is not a valid flow.', 'Esto no es un flujo válido.', 'Isto não é um fluxo válido.'],
  PLUGIN_INVALID: ['The plugin was refused.', 'El plugin fue rechazado.', 'O plugin foi recusado.'],
  UNKNOWN_SETTING: ['There is no such setting.', 'Esa configuración no existe.', 'Essa configuração não existe.'],
  INVALID_SETTING_VALUE: ['A setting has a value that is not valid.', 'Una configuración tiene un valor que no es válido.', 'Uma configuração tem um valor que não é válido.'],
  // 401
  UNAUTHORIZED: ['Sign in to continue.', 'Inicia sesión para continuar.', 'Entre para continuar.'],
  INVALID_CREDENTIALS: ['The email or password is not right.', 'El correo o la contraseña no son correctos.', 'O e-mail ou a senha não estão corretos.'],
  TOKEN_EXPIRED: ['Your session has expired. Sign in again.', 'Tu sesión expiró. Vuelve a iniciar sesión.', 'Sua sessão expirou. Entre novamente.'],
  TOKEN_INVALID: ['Your session is not valid. Sign in again.', 'Tu sesión no es válida. Vuelve a iniciar sesión.', 'Sua sessão não é válida. Entre novamente.'],
  REFRESH_TOKEN_INVALID: ['Your session has ended. Sign in again.', 'Tu sesión terminó. Vuelve a iniciar sesión.', 'Sua sessão terminou. Entre novamente.'],
  REFRESH_TOKEN_REUSED: [
    'For your security, this session was ended. Sign in again.',
    'Por seguridad, esta sesión se cerró. Vuelve a iniciar sesión.',
    'Por segurança, esta sessão foi encerrada. Entre novamente.',
  ],
  RESET_TOKEN_INVALID: [
    'This reset link is not valid or has expired. Ask for a new one.',
    'Este enlace para restablecer la contraseña no es válido o caducó. Pide uno nuevo.',
    'Este link de redefinição não é válido ou expirou. Peça um novo.',
  ],
  SIGNATURE_INVALID: [
    "The webhook's signature does not match its content.",
    'La firma del webhook no corresponde a su contenido.',
    'A assinatura do webhook não corresponde ao conteúdo.',
  ],
  // 403
  FORBIDDEN: ['You are not allowed to do this.', 'No tienes permiso para hacer esto.', 'Você não tem permissão para fazer isso.'],
  PLAN_LIMIT_REACHED: ["The company's plan does not allow more.", 'El plan de la empresa no permite más.', 'O plano da empresa não permite mais.'],
  FEATURE_DISABLED: ['This is not enabled for the company.', 'Esto no está habilitado para la empresa.', 'Isto não está habilitado para a empresa.'],
  TENANT_SUSPENDED: ['This company is suspended. Talk to your provider.', 'Esta empresa está suspendida. Habla con tu proveedor.', 'Esta empresa está suspensa. Fale com o seu fornecedor.'],
  PASSWORD_CHANGE_REQUIRED: [
    'Choose a password of your own to continue.',
    'Elige una contraseña propia para continuar.',
    'Escolha uma senha sua para continuar.',
  ],
  // 404
  NOT_FOUND: ['This address does not exist.', 'Esta dirección no existe.', 'Este endereço não existe.'],
  TENANT_NOT_FOUND: ['The company was not found.', 'No se encontró la empresa.', 'A empresa não foi encontrada.'],
  PLAN_NOT_FOUND: ['The plan was not found.', 'No se encontró el plan.', 'O plano não foi encontrado.'],
  USER_NOT_FOUND: ['The user was not found.', 'No se encontró el usuario.', 'O usuário não foi encontrado.'],
  API_KEY_NOT_FOUND: ['The API key was not found.', 'No se encontró la clave de API.', 'A chave de API não foi encontrada.'],
  CONTACT_NOT_FOUND: ['The contact was not found.', 'No se encontró el contacto.', 'O contato não foi encontrado.'],
  TAG_NOT_FOUND: ['The tag was not found.', 'No se encontró la etiqueta.', 'A etiqueta não foi encontrada.'],
  QUEUE_NOT_FOUND: ['The queue was not found.', 'No se encontró la cola.', 'A fila não foi encontrada.'],
  QUICK_REPLY_NOT_FOUND: ['The quick reply was not found.', 'No se encontró la respuesta rápida.', 'A resposta rápida não foi encontrada.'],
  SETTING_NOT_FOUND: ['The setting was not found.', 'No se encontró la configuración.', 'A configuração não foi encontrada.'],
  CONNECTION_NOT_FOUND: ['The connection was not found.', 'No se encontró la conexión.', 'A conexão não foi encontrada.'],
  TICKET_NOT_FOUND: ['The ticket was not found.', 'No se encontró el ticket.', 'O ticket não foi encontrado.'],
  MESSAGE_NOT_FOUND: ['The message was not found.', 'No se encontró el mensaje.', 'A mensagem não foi encontrada.'],
  MEDIA_NOT_FOUND: ['The file was not found.', 'No se encontró el archivo.', 'O arquivo não foi encontrado.'],
  SCHEDULED_MESSAGE_NOT_FOUND: ['The scheduled message was not found.', 'No se encontró el mensaje programado.', 'A mensagem agendada não foi encontrada.'],
  FLOW_NOT_FOUND: ['The flow was not found.', 'No se encontró el flujo.', 'O fluxo não foi encontrado.'],
  FLOW_VERSION_NOT_FOUND: ['This version of the flow was not found.', 'No se encontró esta versión del flujo.', 'Esta versão do fluxo não foi encontrada.'],
  RUN_NOT_FOUND: ['The run was not found.', 'No se encontró la ejecución.', 'A execução não foi encontrada.'],
  WEBHOOK_NOT_FOUND: [
    'The webhook was not found, or its flow is not published.',
    'No se encontró el webhook, o su flujo no está publicado.',
    'O webhook não foi encontrado, ou o fluxo dele não está publicado.',
  ],
  PLUGIN_NOT_FOUND: ['The plugin was not found.', 'No se encontró el plugin.', 'O plugin não foi encontrado.'],
  PLUGIN_VERSION_NOT_FOUND: ['This version of the plugin was not found.', 'No se encontró esta versión del plugin.', 'Esta versão do plugin não foi encontrada.'],
  DEAD_JOB_NOT_FOUND: ['The failed job was not found.', 'No se encontró la tarea fallida.', 'A tarefa com falha não foi encontrada.'],
  WEBHOOK_ENDPOINT_NOT_FOUND: ['The webhook endpoint was not found.', 'No se encontró el endpoint de webhook.', 'O endpoint de webhook não foi encontrado.'],
  WEBHOOK_DELIVERY_NOT_FOUND: ['The webhook delivery was not found.', 'No se encontró el envío del webhook.', 'O envio do webhook não foi encontrado.'],
  NOTICE_NOT_FOUND: ['The notice was not found.', 'No se encontró el aviso.', 'O aviso não foi encontrado.'],
  CONTACT_LIST_NOT_FOUND: ['The contact list was not found.', 'No se encontró la lista de contactos.', 'A lista de contatos não foi encontrada.'],
  CAMPAIGN_NOT_FOUND: ['The campaign was not found.', 'No se encontró la campaña.', 'A campanha não foi encontrada.'],
  CAMPAIGN_STATE: ['The campaign cannot do that in its current state.', 'La campaña no puede hacer eso en su estado actual.', 'A campanha não pode fazer isso no estado atual.'],
  // 405
  METHOD_NOT_ALLOWED: ['This action is not available here.', 'Esta acción no está disponible aquí.', 'Esta ação não está disponível aqui.'],
  // 409
  EMAIL_TAKEN: ['This email is already in use.', 'Este correo ya está en uso.', 'Este e-mail já está em uso.'],
  CONTACT_EXISTS: ['A contact with this phone number already exists.', 'Ya existe un contacto con este número de teléfono.', 'Já existe um contato com este número de telefone.'],
  NAME_TAKEN: ['This name is already in use.', 'Este nombre ya está en uso.', 'Este nome já está em uso.'],
  PLAN_IN_USE: ['Companies are on this plan: it cannot be deleted.', 'Hay empresas en este plan: no se puede eliminar.', 'Há empresas neste plano: ele não pode ser excluído.'],
  PLUGIN_IN_USE: ['A published flow uses this plugin.', 'Un flujo publicado usa este plugin.', 'Um fluxo publicado usa este plugin.'],
  FLOW_NOT_PUBLISHED: ['The flow is not published yet.', 'El flujo todavía no está publicado.', 'O fluxo ainda não foi publicado.'],
  RUN_ACTIVE: [
    'This contact already has a run of this flow going on.',
    'Este contacto ya tiene una ejecución de este flujo en curso.',
    'Este contato já tem uma execução deste fluxo em andamento.',
  ],
  RUN_NOT_WAITING: ['The run has ended, or is not waiting for this.', 'La ejecución terminó, o no está esperando esto.', 'A execução terminou, ou não está aguardando isto.'],
  TICKET_STATE: ["The ticket's status does not allow this.", 'El estado del ticket no permite esto.', 'O status do ticket não permite isto.'],
  FLOW_TALKING: ['A flow is still talking to this customer. Take over to stop it.', 'Un flujo todavía está hablando con este cliente. Tómalo para detenerlo.', 'Um fluxo ainda está conversando com este cliente. Assuma para interrompê-lo.'],
  WINDOW_CLOSED: [
    'More than 24 hours since the customer last wrote on this WhatsApp number: only an approved template can reach them now.',
    'Pasaron más de 24 horas desde el último mensaje del cliente en este número de WhatsApp: ahora solo una plantilla aprobada puede llegarle.',
    'Passaram mais de 24 horas desde a última mensagem do cliente neste número de WhatsApp: agora só um modelo aprovado pode chegar a ele.',
  ],
  IDEMPOTENCY_KEY_REUSED: [
    'This Idempotency-Key was already used for a different request in the last 24 hours.',
    'Esta Idempotency-Key ya se usó para otra solicitud en las últimas 24 horas.',
    'Esta Idempotency-Key já foi usada para outra requisição nas últimas 24 horas.',
  ],
  // 413, 415, 429
  BODY_TOO_LARGE: ['This is too large to send.', 'Es demasiado grande para enviarlo.', 'É grande demais para enviar.'],
  UNSUPPORTED_MEDIA_TYPE: ['This type of file cannot be sent.', 'Este tipo de archivo no se puede enviar.', 'Este tipo de arquivo não pode ser enviado.'],
  TOO_MANY_ATTEMPTS: ['Too many attempts. Wait a moment and try again.', 'Demasiados intentos. Espera un momento y vuelve a intentarlo.', 'Muitas tentativas. Aguarde um pouco e tente de novo.'],
  // 500, 503
  INTERNAL: ['Something went wrong on the server. Try again later.', 'Algo salió mal en el servidor. Inténtalo más tarde.', 'Algo deu errado no servidor. Tente novamente mais tarde.'],
  UNAVAILABLE: [
    'The service is unavailable for a moment. Try again.',
    'El servicio no está disponible por un momento. Vuelve a intentarlo.',
    'O serviço está indisponível por um momento. Tente de novo.',
  ],
  // The app's own
  NETWORK: ['The server could not be reached. Check your connection.', 'No se pudo conectar con el servidor. Revisa tu conexión.', 'Não foi possível conectar ao servidor. Verifique sua conexão.'],
  UNKNOWN: ['Something went wrong.', 'Algo salió mal.', 'Algo deu errado.'],
});

/** An error as people read it: a sentence in their language, and the server's detail when it helps. */
export interface ErrorDescription {
  text: string;
  detail?: string;
}

/**
 * The sentence for `code` in `lang`, with `message` (the server's) as detail for the codes
 * whose message names the problem, and for codes this app does not know.
 */
export function describeErrorCode(code: string, message: string | undefined, lang: Lang): ErrorDescription {
  const texts = errorMessages[lang] as Record<string, string>;
  const known = Object.prototype.hasOwnProperty.call(texts, code) ? texts[code] : undefined;
  const detail = message?.trim() && (!known || DETAILED_CODES.has(code)) && code !== 'NETWORK' ? message.trim() : undefined;
  return { text: known ?? texts.UNKNOWN, detail };
}

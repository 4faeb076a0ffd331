//! Texts of the contact panel's editing and wallet (inbox/ContactEditor.tsx, ContactPanel.tsx)
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

export const panelText = table({
  edit: ['Edit', 'Editar', 'Editar'],
  editDetails: ['Edit contact details', 'Editar datos del contacto', 'Editar dados do contato'],
  editing: ['Editing contact details', 'Editando datos del contacto', 'Editando dados do contato'],
  save: ['Save', 'Guardar', 'Salvar'],
  saving: ['Saving…', 'Guardando…', 'Salvando…'],
  cancel: ['Cancel', 'Cancelar', 'Cancelar'],
  saved: ['Contact saved.', 'Contacto guardado.', 'Contato salvo.'],
  name: ['Name', 'Nombre', 'Nome'],
  email: ['Email', 'Correo electrónico', 'E-mail'],
  emailHint: ['Leave empty to remove it.', 'Déjalo vacío para quitarlo.', 'Deixe vazio para removê-lo.'],
  customFields: ['Custom fields', 'Campos personalizados', 'Campos personalizados'],
  fieldNameN: ['Name of field {n}', 'Nombre del campo {n}', 'Nome do campo {n}'],
  fieldValueN: ['Value of field {n}', 'Valor del campo {n}', 'Valor do campo {n}'],
  removeFieldN: ['Remove field {n}', 'Quitar el campo {n}', 'Remover o campo {n}'],
  addField: ['Add field', 'Añadir campo', 'Adicionar campo'],
  fieldPlaceholder: ['field', 'campo', 'campo'],
  valuePlaceholder: ['value', 'valor', 'valor'],
  tags: ['Tags', 'Etiquetas', 'Etiquetas'],
  noTags: ['There are no tags yet.', 'Todavía no hay etiquetas.', 'Ainda não há etiquetas.'],
  wallet: ['Wallet', 'Cartera', 'Carteira'],
  walletQueue: ['Wallet queue', 'Cola de la cartera', 'Fila da carteira'],
  walletNone: ['Not in a wallet', 'En ninguna cartera', 'Em nenhuma carteira'],
  walletYou: ['{name} (you)', '{name} (tú)', '{name} (você)'],
  walletOther: [
    "In {name}'s wallet: only a supervisor can move the contact.",
    'En la cartera de {name}: solo un supervisor puede moverlo.',
    'Na carteira de {name}: só um supervisor pode mover o contato.',
  ],
  walletAgentHint: ["New tickets of the contact go to this agent when the company's contact wallets are on.", 'Los tickets nuevos del contacto van a este agente cuando las carteras de contactos están activadas.', 'Os novos tickets do contato vão para este atendente quando as carteiras de contatos estão ativadas.'],
  schedule: ['Schedule a message', 'Programar un mensaje', 'Agendar uma mensagem'],
  required: ['This field is required.', 'Este campo es obligatorio.', 'Este campo é obrigatório.'],
  maxChars: ['At most {n} characters.', 'Como máximo {n} caracteres.', 'No máximo {n} caracteres.'],
  emailInvalid: ['Enter a valid email address.', 'Escribe un correo electrónico válido.', 'Digite um e-mail válido.'],
  fieldNameInvalid: ['Field names use 1 to 64 letters, digits, _ or -.', 'Los nombres de campo usan de 1 a 64 letras, dígitos, _ o -.', 'Os nomes de campo usam de 1 a 64 letras, dígitos, _ ou -.'],
  fieldNameDuplicate: ['A field name is used twice.', 'Hay un nombre de campo repetido.', 'Há um nome de campo repetido.'],
  tooManyFields: ['At most {n} custom fields.', 'Como máximo {n} campos personalizados.', 'No máximo {n} campos personalizados.'],
});

export type PanelKey = keyof typeof panelText.en;

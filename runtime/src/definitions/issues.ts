import Type, { type Static } from 'typebox';

/** A validation finding about a definition. Errors block saving or publishing; warnings never do. */
export const DefinitionIssueSchema = Type.Object(
  {
    code: Type.String({ description: 'Stable code, e.g. DEF_UNKNOWN_FIELD_TYPE' }),
    severity: Type.Union([Type.Literal('error'), Type.Literal('warning')]),
    file: Type.Optional(Type.String({ description: 'File (relative to the definitions folder) when validating a folder' })),
    kind: Type.Optional(Type.String()),
    key: Type.Optional(Type.String()),
    pointer: Type.String({ description: 'RFC 6901 JSON pointer into the document ("" is the whole document)' }),
    line: Type.Optional(Type.Integer({ description: 'Line in a BPMN file, when the parser can tell' })),
    message: Type.Object({ en: Type.String(), 'zh-CN': Type.String() }),
    params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: 'DefinitionIssue' },
);
export type DefinitionIssue = Static<typeof DefinitionIssueSchema>;
export type Locale = 'en' | 'zh-CN';

type Params = Record<string, unknown>;
type Text = (p: Params) => string;
const s = (v: unknown) => (Array.isArray(v) ? v.join(', ') : String(v));

/** Every code a definition issue can carry, with its message in both languages. */
const CATALOG = {
  DEF_INVALID_JSON: { en: (p) => `not valid JSON: ${s(p.reason)}`, zh: (p) => `不是有效的 JSON：${s(p.reason)}` },
  DEF_NOT_AN_OBJECT: { en: () => 'a definition must be a JSON object', zh: () => '定义必须是 JSON 对象' },
  DEF_UNKNOWN_KIND: {
    en: (p) => `unknown kind "${s(p.kind)}"; expected one of: ${s(p.allowed)}`,
    zh: (p) => `未知的定义类型 "${s(p.kind)}"，应为：${s(p.allowed)}`,
  },
  DEF_MISSING_PROPERTY: { en: (p) => `required property "${s(p.property)}" is missing`, zh: (p) => `缺少必填属性 "${s(p.property)}"` },
  DEF_UNKNOWN_PROPERTY: {
    en: (p) => `unknown property "${s(p.property)}"`,
    zh: (p) => `未知属性 "${s(p.property)}"`,
  },
  DEF_WRONG_TYPE: { en: (p) => `must be ${s(p.expected)}`, zh: (p) => `类型应为 ${s(p.expected)}` },
  DEF_INVALID_VALUE: { en: (p) => `must be one of: ${s(p.allowed)}`, zh: (p) => `取值必须是以下之一：${s(p.allowed)}` },
  DEF_INVALID_SHAPE: { en: () => 'does not match any allowed form of this value', zh: () => '不符合该值允许的任何格式' },
  DEF_OUT_OF_RANGE: { en: (p) => `${s(p.limit)}`, zh: (p) => `${s(p.limitZh)}` },
  DEF_INVALID_FORMAT: { en: (p) => `must match ${s(p.format)}`, zh: (p) => `格式不正确，应符合 ${s(p.format)}` },
  DEF_INVALID_KEY: {
    en: () => 'a key starts with a letter and holds letters, digits, "-" or "_", optionally after a "namespace:" prefix',
    zh: () => '键必须以字母开头，只含字母、数字、"-" 或 "_"，可带 "命名空间:" 前缀',
  },
  DEF_INVALID_FIELD_KEY: {
    en: () => 'a field key starts with a letter and holds only letters, digits and "_" (it is used in rules as data.<key>)',
    zh: () => '字段键必须以字母开头，只含字母、数字和 "_"（规则中以 data.<键> 引用）',
  },
  DEF_INVALID_I18N_TEXT: {
    en: () => 'must be a map of locale to text, e.g. {"zh-CN": "维修", "en": "Repair"}',
    zh: () => '必须是语言到文本的映射，例如 {"zh-CN": "维修", "en": "Repair"}',
  },
  DEF_INVALID_DURATION: {
    en: () => 'must be an ISO 8601 duration such as PT2H, P1D or PT30M',
    zh: () => '必须是 ISO 8601 时长，例如 PT2H、P1D、PT30M',
  },
  DEF_INVALID_TIME_ZONE: { en: (p) => `"${s(p.value)}" is not an IANA time zone`, zh: (p) => `"${s(p.value)}" 不是有效的 IANA 时区` },
  DEF_INVALID_REGEX: { en: (p) => `not a valid regular expression: ${s(p.reason)}`, zh: (p) => `不是有效的正则表达式：${s(p.reason)}` },
  DEF_DUPLICATE_ITEM: { en: () => 'items must be unique', zh: () => '列表项不能重复' },
  DEF_UNKNOWN_FIELD_TYPE: {
    en: (p) => `unknown field type "${s(p.type)}"; the catalog has: ${s(p.allowed)}`,
    zh: (p) => `未知字段类型 "${s(p.type)}"，可用类型：${s(p.allowed)}`,
  },
  DEF_DUPLICATE_KEY: {
    en: (p) => `key "${s(p.key)}" is used twice (also at ${s(p.other)})`,
    zh: (p) => `键 "${s(p.key)}" 重复（另见 ${s(p.other)}）`,
  },
  DEF_DUPLICATE_DEFINITION: {
    en: (p) => `${s(p.kind)} "${s(p.key)}" is defined twice (also in ${s(p.other)})`,
    zh: (p) => `${s(p.kind)} "${s(p.key)}" 重复定义（另见 ${s(p.other)}）`,
  },
  DEF_RULE_UNKNOWN_OPERATOR: {
    en: (p) => `unknown rule operator "${s(p.operator)}"`,
    zh: (p) => `未知的规则运算符 "${s(p.operator)}"`,
  },
  DEF_RULE_UNKNOWN_VARIABLE: {
    en: (p) => `rule variable "${s(p.variable)}" must start with one of: ${s(p.allowed)}`,
    zh: (p) => `规则变量 "${s(p.variable)}" 必须以下列之一开头：${s(p.allowed)}`,
  },
  DEF_RULE_INVALID: { en: (p) => `not a valid rule: ${s(p.reason)}`, zh: (p) => `规则无效：${s(p.reason)}` },
  DEF_RULE_UNKNOWN_FIELD: {
    en: (p) => `rule refers to ${s(p.variable)}, but the form has no field "${s(p.field)}"`,
    zh: (p) => `规则引用了 ${s(p.variable)}，但表单中没有字段 "${s(p.field)}"`,
  },
  DEF_UNKNOWN_FIELD: {
    en: (p) => `"${s(p.field)}" is not a field of this ${s(p.where)}`,
    zh: (p) => `"${s(p.field)}" 不是此${s(p.whereZh)}中的字段`,
  },
  DEF_OPTIONS_SOURCE: {
    en: (p) => `a ${s(p.type)} field needs exactly one of "options" or "dictionary"`,
    zh: (p) => `${s(p.type)} 字段必须且只能设置 "options" 或 "dictionary" 之一`,
  },
  DEF_NUMBERING_PATTERN: { en: (p) => `numbering pattern: ${s(p.reason)}`, zh: (p) => `编号规则：${s(p.reasonZh)}` },
  DEF_UNKNOWN_COLUMN: {
    en: (p) => `list column "${s(p.column)}" is neither a system column (${s(p.allowed)}) nor a form field`,
    zh: (p) => `列表列 "${s(p.column)}" 既不是系统列（${s(p.allowed)}）也不是表单字段`,
  },
  DEF_MISSING_REFERENCE: {
    en: (p) => `${s(p.fromKind)} "${s(p.fromKey)}" refers to ${s(p.kind)} "${s(p.key)}", which does not exist`,
    zh: (p) => `${s(p.fromKind)} "${s(p.fromKey)}" 引用的 ${s(p.kind)} "${s(p.key)}" 不存在`,
  },
  DEF_UNKNOWN_STEP: {
    en: (p) => `ticket type "${s(p.fromKey)}" configures step "${s(p.step)}", but process "${s(p.process)}" has no such task (tasks: ${s(p.allowed)})`,
    zh: (p) => `工单类型 "${s(p.fromKey)}" 配置了步骤 "${s(p.step)}"，但流程 "${s(p.process)}" 中没有该任务（现有：${s(p.allowed)}）`,
  },
  DEF_UNDECLARED_PARAMETER: {
    en: (p) => `template uses "${s(p.parameter)}", which is not declared in "parameters"`,
    zh: (p) => `模板使用了未在 "parameters" 中声明的参数 "${s(p.parameter)}"`,
  },
  DEF_INVALID_TEMPLATE: { en: (p) => `template does not compile: ${s(p.reason)}`, zh: (p) => `模板无法编译：${s(p.reason)}` },
  DEF_INVALID_BPMN: { en: (p) => `BPMN does not parse: ${s(p.reason)}`, zh: (p) => `BPMN 无法解析：${s(p.reason)}` },
  DEF_BPMN_WARNING: { en: (p) => `BPMN: ${s(p.reason)}`, zh: (p) => `BPMN 警告：${s(p.reason)}` },
  DEF_BPMN_PROCESS_COUNT: {
    en: (p) => `a process file must hold exactly one executable process (isExecutable="true"); found ${s(p.count)}`,
    zh: (p) => `流程文件必须恰好包含一个可执行流程（isExecutable="true"），实际为 ${s(p.count)} 个`,
  },
  DEF_BPMN_UNSUPPORTED: {
    en: (p) => `${s(p.element)} "${s(p.id)}" is not supported by Docket's process engine${p.hint ? `; ${s(p.hint)}` : ''}`,
    zh: (p) => `Docket 流程引擎不支持 ${s(p.element)} "${s(p.id)}"${p.hintZh ? `；${s(p.hintZh)}` : ''}`,
  },
  DEF_BPMN_DUPLICATE_ID: {
    en: (p) => `id "${s(p.id)}" is used by more than one element; the later ones are ignored`,
    zh: (p) => `id "${s(p.id)}" 被多个元素使用，后出现的元素被忽略`,
  },
  DEF_BPMN_NO_START: { en: (p) => `${s(p.element)} "${s(p.id)}" has no start event`, zh: (p) => `${s(p.element)} "${s(p.id)}" 没有开始事件` },
  DEF_BPMN_UNREACHABLE: {
    en: (p) => `${s(p.element)} "${s(p.id)}" cannot be reached from a start event by sequence flows`,
    zh: (p) => `${s(p.element)} "${s(p.id)}" 无法通过顺序流从开始事件到达`,
  },
  DEF_BPMN_DEAD_END: {
    en: (p) => `${s(p.element)} "${s(p.id)}" never leads to an end event`,
    zh: (p) => `${s(p.element)} "${s(p.id)}" 无法到达任何结束事件`,
  },
  DEF_BPMN_DANGLING_FLOW: {
    en: (p) =>
      p.ref === undefined
        ? `sequence flow "${s(p.id)}" has no ${s(p.end)}`
        : `sequence flow "${s(p.id)}": ${s(p.end)} "${s(p.ref)}" is not a node of the same process or sub-process`,
    zh: (p) =>
      p.ref === undefined ? `顺序流 "${s(p.id)}" 缺少 ${s(p.end)}` : `顺序流 "${s(p.id)}" 的 ${s(p.end)} "${s(p.ref)}" 不是同一流程（或子流程）中的节点`,
  },
  DEF_BPMN_MISSING_CONDITION: {
    en: (p) => `gateway "${s(p.id)}" splits, but its outgoing flow "${s(p.flow)}" has no condition and is not the gateway's default`,
    zh: (p) => `网关 "${s(p.id)}" 有多条出口，但顺序流 "${s(p.flow)}" 既没有条件，也不是默认流`,
  },
  DEF_BPMN_BAD_CONDITION: {
    en: (p) => `${s(p.where)} of "${s(p.id)}" is not a valid json-logic rule: ${s(p.reason)}`,
    zh: (p) => `"${s(p.id)}" 的 ${s(p.where)} 不是有效的 json-logic 规则：${s(p.reasonZh)}`,
  },
  DEF_BPMN_BAD_TIMER: { en: (p) => `timer of "${s(p.id)}": ${s(p.reason)}`, zh: (p) => `"${s(p.id)}" 的定时器：${s(p.reasonZh)}` },
  DEF_BPMN_BOUNDARY_UNATTACHED: {
    en: (p) =>
      p.ref === undefined
        ? `boundary event "${s(p.id)}" is not attached to an activity (attachedToRef)`
        : `boundary event "${s(p.id)}" is attached to "${s(p.ref)}", which is not an activity of the same process or sub-process`,
    zh: (p) =>
      p.ref === undefined
        ? `边界事件 "${s(p.id)}" 未附着在任何活动上（attachedToRef）`
        : `边界事件 "${s(p.id)}" 附着的 "${s(p.ref)}" 不是同一流程（或子流程）中的活动`,
  },
  DEF_BPMN_BAD_MULTI_INSTANCE: { en: (p) => `multi-instance "${s(p.id)}": ${s(p.reason)}`, zh: (p) => `多实例 "${s(p.id)}"：${s(p.reasonZh)}` },
  DEF_BPMN_UNKNOWN_EXTENSION: {
    en: (p) =>
      p.attribute === undefined
        ? `unknown tk extension element <${s(p.element)}> in "${s(p.id)}"`
        : `unknown tk extension attribute "${s(p.attribute)}" on ${s(p.element)} in "${s(p.id)}"`,
    zh: (p) =>
      p.attribute === undefined
        ? `"${s(p.id)}" 中有未知的 tk 扩展元素 <${s(p.element)}>`
        : `"${s(p.id)}" 中 ${s(p.element)} 有未知的 tk 扩展属性 "${s(p.attribute)}"`,
  },
  DEF_BPMN_MISPLACED_EXTENSION: {
    en: (p) => `${s(p.element)} is not allowed in ${s(p.parent)} "${s(p.id)}"; it belongs in: ${s(p.allowed)}`,
    zh: (p) => `${s(p.element)} 不能用在 ${s(p.parent)} "${s(p.id)}" 中，只能用于：${s(p.allowed)}`,
  },
  DEF_BPMN_DUPLICATE_EXTENSION: {
    en: (p) => `"${s(p.id)}" has more than one ${s(p.element)}; only one is allowed`,
    zh: (p) => `"${s(p.id)}" 含有多个 ${s(p.element)}，只允许一个`,
  },
  DEF_BPMN_EXTENSION_VALUE: {
    en: (p) => `${s(p.element)} ${s(p.attribute)} "${s(p.value)}" in "${s(p.id)}" must be one of: ${s(p.allowed)}`,
    zh: (p) => `"${s(p.id)}" 中 ${s(p.element)} 的 ${s(p.attribute)} 取值 "${s(p.value)}" 无效，应为以下之一：${s(p.allowed)}`,
  },
  DEF_BPMN_EXTENSION_FORMAT: {
    en: (p) => `${s(p.element)} ${s(p.attribute)} "${s(p.value)}" in "${s(p.id)}" must be ${s(p.format)}`,
    zh: (p) => `"${s(p.id)}" 中 ${s(p.element)} 的 ${s(p.attribute)} 值 "${s(p.value)}" 格式不正确，应为：${s(p.formatZh)}`,
  },
  DEF_BPMN_EXTENSION_MISSING: {
    en: (p) =>
      p.attribute === undefined ? `"${s(p.id)}" needs a ${s(p.element)} element` : `${s(p.element)} in "${s(p.id)}" needs the attribute "${s(p.attribute)}"`,
    zh: (p) => (p.attribute === undefined ? `"${s(p.id)}" 缺少 ${s(p.element)} 元素` : `"${s(p.id)}" 中 ${s(p.element)} 缺少属性 "${s(p.attribute)}"`),
  },
  DEF_BPMN_FOREIGN_EXTENSION: {
    en: (p) => `"${s(p.id)}" carries extensions Docket ignores: ${s(p.names)}`,
    zh: (p) => `"${s(p.id)}" 含有 Docket 会忽略的扩展：${s(p.names)}`,
  },
  DEF_NOT_UTF8: { en: () => 'file is not valid UTF-8 text', zh: () => '文件不是有效的 UTF-8 文本' },
  DEF_FILE_NAME_MISMATCH: {
    en: (p) => `file name says key "${s(p.expected)}" but the document says "${s(p.key)}"`,
    zh: (p) => `文件名对应的键为 "${s(p.expected)}"，但文档中为 "${s(p.key)}"`,
  },
  DEF_WRONG_FOLDER: {
    en: (p) => `a ${s(p.kind)} belongs in folder ${s(p.folder)}/`,
    zh: (p) => `${s(p.kind)} 应放在 ${s(p.folder)}/ 文件夹中`,
  },
  DEF_UNEXPECTED_FILE: {
    en: (p) => `unexpected file; ${s(p.reason)}`,
    zh: (p) => `无法识别的文件：${s(p.reasonZh)}`,
  },
  DEF_MISSING_FILE: {
    en: (p) => `file "${s(p.name)}" named here was not supplied`,
    zh: (p) => `此处引用的文件 "${s(p.name)}" 未提供`,
  },
  DEF_VERSION_MISMATCH: {
    en: (p) => `document says version ${s(p.given)} but the current version is ${s(p.current)}; reload and edit again`,
    zh: (p) => `文档版本为 ${s(p.given)}，当前版本为 ${s(p.current)}，请重新加载后再编辑`,
  },
  DEF_TREE_NOT_ALLOWED: {
    en: () => 'items have children but the dictionary is not a tree ("tree": true)',
    zh: () => '选项含有子项，但字典未设置为树形（"tree": true）',
  },
  DEF_CRON_OR_RRULE: {
    en: () => 'a schedule needs exactly one of "cron" or "rrule"',
    zh: () => '计划必须且只能设置 "cron" 或 "rrule" 之一',
  },
  DEF_INVALID_RANGE: { en: (p) => `${s(p.reason)}`, zh: (p) => `${s(p.reasonZh)}` },
} satisfies Record<string, { en: Text; zh: Text }>;

export type IssueCode = keyof typeof CATALOG;
export const ISSUE_CODES = Object.keys(CATALOG) as IssueCode[];

export interface IssueInput {
  code: IssueCode;
  pointer: string;
  params?: Params;
  severity?: 'error' | 'warning';
  file?: string;
  kind?: string;
  key?: string;
  line?: number;
}

export function issue(input: IssueInput): DefinitionIssue {
  const entry = CATALOG[input.code];
  const params = input.params ?? {};
  const out: DefinitionIssue = {
    code: input.code,
    severity: input.severity ?? 'error',
    pointer: input.pointer,
    message: { en: entry.en(params), 'zh-CN': entry.zh(params) },
  };
  if (input.file !== undefined) out.file = input.file;
  if (input.kind !== undefined) out.kind = input.kind;
  if (input.key !== undefined) out.key = input.key;
  if (input.line !== undefined) out.line = input.line;
  if (Object.keys(params).length > 0) out.params = params;
  return out;
}

export const hasErrors = (issues: readonly DefinitionIssue[]) => issues.some((i) => i.severity === 'error');

/** RFC 6901 pointer from path segments. */
export function pointer(...segments: (string | number)[]): string {
  return segments.map((seg) => `/${String(seg).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** One line per issue, as the CLI prints it: `file: pointer: CODE: message`. */
export function formatIssue(i: DefinitionIssue, locale: Locale = 'en'): string {
  const where = i.line !== undefined ? `${i.pointer || '/'} (line ${i.line})` : i.pointer || '/';
  return `${i.file ?? `${i.kind ?? '?'}/${i.key ?? '?'}`}: ${where}: ${i.code}: ${i.message[locale]}${i.severity === 'warning' ? ' (warning)' : ''}`;
}

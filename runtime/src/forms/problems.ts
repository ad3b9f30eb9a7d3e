/**
 * Problems a submitted value can have. Each carries a stable code, the field it is
 * about, a JSON pointer to the exact value and a message in both languages, so the
 * API, the web form and imports report the same thing.
 */
export const FIELD_CODES = [
  'FIELD_REQUIRED',
  'FIELD_TYPE',
  'FIELD_TOO_SHORT',
  'FIELD_TOO_LONG',
  'FIELD_PATTERN',
  'FIELD_MIN',
  'FIELD_MAX',
  'FIELD_PRECISION',
  'FIELD_STEP',
  'FIELD_CURRENCY',
  'FIELD_RANGE_ORDER',
  'FIELD_OPTION',
  'FIELD_OPTION_DISABLED',
  'FIELD_NOT_LEAF',
  'FIELD_DICTIONARY_UNKNOWN',
  'FIELD_DUPLICATE',
  'FIELD_TOO_FEW',
  'FIELD_TOO_MANY',
  'FIELD_PHONE',
  'FIELD_ID_NUMBER',
  'FIELD_EMAIL',
  'FIELD_FILE_TYPE',
  'FIELD_FILE_SIZE',
  'FIELD_INCOMPLETE',
  'FIELD_NOT_EDITABLE',
  'FIELD_UNKNOWN',
  'FIELD_FILE_UNKNOWN',
] as const;
export type FieldCode = (typeof FIELD_CODES)[number];

export interface LocalizedMessage {
  en: string;
  'zh-CN': string;
}

export interface FieldProblem {
  /** The field definition the problem is about: `address`, `items.qty` (column), `shipping.trackingNo` (component field). */
  field: string;
  /** JSON pointer to the value: `/data/address/city`, `/data/items/2/qty`, `/components/shipping/0/trackingNo`. */
  pointer: string;
  code: FieldCode;
  message: LocalizedMessage;
  params?: Record<string, unknown>;
}

/** A problem found by a field type, relative to the field's value. */
export interface ValueIssue {
  code: FieldCode;
  /** Path inside the value, e.g. ['city'] for an address or [2, 'size'] for the third file. */
  path?: (string | number)[];
  params?: Record<string, unknown>;
}

type Params = Record<string, unknown>;
const s = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** Message tails per code: [English, Chinese]; the field label is put in front. */
const MESSAGES: Record<FieldCode, (p: Params) => [string, string]> = {
  FIELD_REQUIRED: () => ['is required', '为必填项'],
  FIELD_TYPE: (p) => [`must be ${s(p.expected)}`, `格式不正确，应为${s(p.expectedZh ?? p.expected)}`],
  FIELD_TOO_SHORT: (p) => [`must be at least ${s(p.limit)} characters`, `至少需要 ${s(p.limit)} 个字符`],
  FIELD_TOO_LONG: (p) => [`must be at most ${s(p.limit)} characters`, `最多 ${s(p.limit)} 个字符`],
  FIELD_PATTERN: (p) => [p.hint ? s(p.hint) : `does not match the required format`, p.hintZh ? s(p.hintZh) : '不符合要求的格式'],
  FIELD_MIN: (p) => [`must be at least ${s(p.limit)}`, `不能小于 ${s(p.limit)}`],
  FIELD_MAX: (p) => [`must be at most ${s(p.limit)}`, `不能大于 ${s(p.limit)}`],
  FIELD_PRECISION: (p) => [`allows at most ${s(p.precision)} decimal places`, `最多 ${s(p.precision)} 位小数`],
  FIELD_STEP: (p) => [`must be a multiple of ${s(p.step)}`, `必须是 ${s(p.step)} 的整数倍`],
  FIELD_CURRENCY: (p) => [`must be in ${s(p.currency)}`, `币种必须为 ${s(p.currency)}`],
  FIELD_RANGE_ORDER: () => ['must end after it starts', '结束时间不能早于开始时间'],
  FIELD_OPTION: (p) => [`has no option ${s(p.value)}`, `没有选项 ${s(p.value)}`],
  FIELD_OPTION_DISABLED: (p) => [`option ${s(p.value)} is no longer available`, `选项 ${s(p.value)} 已停用`],
  FIELD_NOT_LEAF: (p) => [`needs a final choice, not the group ${s(p.value)}`, `请选择到最末级，${s(p.value)} 是分组`],
  FIELD_DICTIONARY_UNKNOWN: (p) => [`uses dictionary ${s(p.dictionary)}, which is not available`, `使用的字典 ${s(p.dictionary)} 不可用`],
  FIELD_DUPLICATE: (p) => [`lists ${s(p.value)} twice`, `重复选择了 ${s(p.value)}`],
  FIELD_TOO_FEW: (p) => [`needs at least ${s(p.limit)} entries`, `至少需要 ${s(p.limit)} 项`],
  FIELD_TOO_MANY: (p) => [`allows at most ${s(p.limit)} entries`, `最多 ${s(p.limit)} 项`],
  FIELD_PHONE: (p) =>
    p.mobileOnly
      ? ['must be a mainland China mobile number (11 digits starting with 1)', '必须是 11 位手机号码']
      : ['must be a mobile number or a landline such as 010-12345678', '必须是手机号码或固定电话（如 010-12345678）'],
  FIELD_ID_NUMBER: (p) => [`is not a valid ID card number (${s(p.reason)})`, `不是有效的身份证号码（${s(p.reasonZh)}）`],
  FIELD_EMAIL: () => ['must be an email address', '必须是有效的电子邮箱地址'],
  FIELD_FILE_TYPE: (p) => [`does not accept files of type ${s(p.contentType)}`, `不接受 ${s(p.contentType)} 类型的文件`],
  FIELD_FILE_SIZE: (p) => [`allows files up to ${s(p.limitMb)} MB`, `单个文件不能超过 ${s(p.limitMb)} MB`],
  FIELD_INCOMPLETE: (p) => [`needs a ${s(p.part)}`, `缺少${s(p.partZh ?? p.part)}`],
  FIELD_NOT_EDITABLE: () => ['cannot be changed here', '当前不可修改'],
  FIELD_UNKNOWN: () => ['is not a field of this form', '不是此表单的字段'],
  FIELD_FILE_UNKNOWN: () => ['names a file that was not uploaded by you', '引用了不是您上传的文件'],
};

export interface ProblemSubject {
  /** Field path as reported in `field`. */
  field: string;
  label?: Record<string, string> | undefined;
}

/** Builds the full problem for a subject at a pointer. */
export function fieldProblem(subject: ProblemSubject, pointer: string, code: FieldCode, params: Params = {}): FieldProblem {
  const [en, zh] = MESSAGES[code](params);
  const labelEn = subject.label?.en ?? subject.label?.['zh-CN'] ?? subject.field;
  const labelZh = subject.label?.['zh-CN'] ?? subject.label?.en ?? subject.field;
  const problem: FieldProblem = { field: subject.field, pointer, code, message: { en: `${labelEn} ${en}`, 'zh-CN': `${labelZh}${zh}` } };
  if (Object.keys(params).length > 0) problem.params = params;
  return problem;
}

/** RFC 6901 pointer from segments. */
export function pointerOf(segments: readonly (string | number)[]): string {
  return segments.map((p) => `/${String(p).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

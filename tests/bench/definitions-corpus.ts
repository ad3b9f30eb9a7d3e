/**
 * The document corpus of the `definitions` benchmark: the core definitions in
 * definitions/ plus generated documents of realistic size (a 40-field ticket type with
 * rules and an 8-field receipt form, a 12-field component, a 300-item three-level
 * dictionary, a calendar with 30 holidays, SLA policies, roles…), and about 10% invalid
 * documents so the error mapping is exercised. Generated documents refer to each other
 * and to the core definitions only by keys that exist, so the set passes the
 * cross-reference checks.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readDefinitionsFolder } from '../../runtime/src/definitions/index.ts';

type Doc = Record<string, unknown>;
type Field = Record<string, unknown>;

export interface CorpusEntry {
  /** Where it came from: a core file or `generated:<what>`. */
  source: string;
  doc: unknown;
  /** What the generator means it to be (core files: assumed valid; the benchmark reports disagreements). */
  intendedValid: boolean;
}

export const DEFINITIONS_DIR = join(import.meta.dirname, '..', '..', 'definitions');

const t = (zh: string, en: string) => ({ 'zh-CN': zh, en });
const opts = (...pairs: [string, string, string][]) => pairs.map(([value, zh, en]) => ({ value, label: t(zh, en) }));
const eq = (v: string, x: unknown) => ({ '==': [{ var: v }, x] });

// ── generated process (a 20-task BPMN, for parse figures when core has few or none) ──

export function generatedBpmn(tasks = 20, id = 'bench-linear', taskIds: readonly string[] = []): string {
  const flows: string[] = [];
  const nodes: string[] = [];
  let prev = 'start';
  for (let i = 1; i <= tasks; i++) {
    const task = taskIds[i - 1] ?? `task${i}`;
    nodes.push(
      `    <bpmn:userTask id="${task}" name="步骤 ${i}">
      <bpmn:extensionElements>
        <tk:task status="步骤${i}" statusCategory="open" actions="complete transfer">
          <tk:assignee rule="role" ref="technician"/>
          <tk:timeout duration="PT${i}H" calendar="default"><tk:remind before="PT30M" to="assignee"/></tk:timeout>
        </tk:task>
      </bpmn:extensionElements>
      <bpmn:incoming>f${i}</bpmn:incoming>
      <bpmn:outgoing>f${i + 1}</bpmn:outgoing>
    </bpmn:userTask>`,
    );
    flows.push(`    <bpmn:sequenceFlow id="f${i}" sourceRef="${prev}" targetRef="${task}"/>`);
    prev = task;
  }
  flows.push(`    <bpmn:sequenceFlow id="f${tasks + 1}" sourceRef="${prev}" targetRef="gw"/>`);
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                  xmlns:tk="http://docket.dev/schema/tk/1.0"
                  id="${id}-definitions" targetNamespace="http://docket.dev/definitions/bench">
  <bpmn:process id="${id}" name="基准流程" isExecutable="true">
    <bpmn:startEvent id="start" name="提交"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
${nodes.join('\n')}
    <bpmn:exclusiveGateway id="gw" name="通过？" default="ok">
      <bpmn:incoming>f${tasks + 1}</bpmn:incoming>
      <bpmn:outgoing>ok</bpmn:outgoing>
      <bpmn:outgoing>redo</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:endEvent id="end" name="完成"><bpmn:incoming>ok</bpmn:incoming></bpmn:endEvent>
${flows.join('\n')}
    <bpmn:sequenceFlow id="ok" sourceRef="gw" targetRef="end"/>
    <bpmn:sequenceFlow id="redo" sourceRef="gw" targetRef="${taskIds[0] ?? 'task1'}">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" language="json-logic">{"==":[{"var":"receipt.passed"},false]}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
  </bpmn:process>
</bpmn:definitions>
`;
}

// ── forms ──

/** A 40-field ticket form of mixed types, with visibility/required/readOnly rules. */
export function ticketFormFields(variant: number): Field[] {
  const fields: Field[] = [
    { key: 'title', type: 'text', label: t('标题', 'Title'), maxLength: 200, required: true, searchable: true },
    { key: 'description', type: 'textarea', label: t('问题描述', 'Description'), maxLength: 5000, rows: 4 },
    { key: 'source', type: 'select', label: t('来源', 'Source'), dictionary: 'ticket-sources', default: 'phone' },
    { key: 'customer', type: 'recordRef', label: t('客户', 'Customer'), recordType: 'customer', searchable: true, required: true },
    { key: 'contact', type: 'recordRef', label: t('联系人', 'Contact'), recordType: 'contact', filter: eq('record.customer', { var: 'data.customer' }) },
    { key: 'contactPhone', type: 'phone', label: t('联系电话', 'Contact phone'), sensitive: true, searchable: true, mobileOnly: false },
    { key: 'contactEmail', type: 'email', label: t('邮箱', 'E-mail'), help: t('用于发送服务报告', 'Service reports are sent here') },
    { key: 'product', type: 'recordRef', label: t('产品', 'Product'), recordType: 'product', filter: eq('record.customer', { var: 'data.customer' }) },
    { key: 'serialNo', type: 'ref', ref: 'serialNo', required: { '!!': [{ var: 'data.product' }] } },
    { key: 'serviceItem', type: 'cascader', label: t('服务项目', 'Service item'), dictionary: 'service-items', leafOnly: true, required: true },
    { key: 'faultArea', type: 'treeSelect', label: t('故障部位', 'Fault area'), dictionary: 'fault-areas', leafOnly: true },
    {
      key: 'urgency',
      type: 'radio',
      label: t('紧急程度', 'Urgency'),
      options: opts(['low', '低', 'Low'], ['normal', '普通', 'Normal'], ['high', '高', 'High'], ['urgent', '紧急', 'Urgent']),
      default: 'normal',
    },
    {
      key: 'symptoms',
      type: 'checkbox',
      label: t('故障现象', 'Symptoms'),
      minItems: 1,
      maxItems: 5,
      options: opts(
        ['noPower', '不通电', 'No power'],
        ['noise', '异响', 'Noise'],
        ['leak', '漏水', 'Leak'],
        ['error', '报错', 'Error code'],
        ['other', '其他', 'Other'],
      ),
    },
    {
      key: 'errorCode',
      type: 'text',
      label: t('错误代码', 'Error code'),
      pattern: '^[A-Z]{1,3}-?\\d{2,4}$',
      patternMessage: t('例如 E-101', 'e.g. E-101'),
      visible: { in: ['error', { var: 'data.symptoms' }] },
    },
    { key: 'onSite', type: 'switch', label: t('需要上门', 'On-site visit'), default: true },
    { key: 'sectionVisit', type: 'section', label: t('上门信息', 'Visit'), style: 'title', visible: eq('data.onSite', true) },
    {
      key: 'address',
      type: 'address',
      label: t('服务地址', 'Service address'),
      level: 'district',
      withDetail: true,
      required: eq('data.onSite', true),
      visible: eq('data.onSite', true),
    },
    { key: 'location', type: 'location', label: t('定位', 'Location'), visible: eq('data.onSite', true) },
    { key: 'appointment', type: 'datetime', label: t('预约时间', 'Appointment'), min: 'today', minuteStep: 30, visible: eq('data.onSite', true) },
    { key: 'visitWindow', type: 'dateRange', label: t('可上门日期', 'Visit window'), maxDays: 14, visible: eq('data.onSite', true) },
    { key: 'preferredTime', type: 'time', label: t('偏好时段', 'Preferred time'), minuteStep: 15, visible: eq('data.onSite', true) },
    { key: 'purchaseDate', type: 'date', label: t('购买日期', 'Purchase date'), min: '2010-01-01', max: 'today' },
    {
      key: 'inWarranty',
      type: 'switch',
      label: t('保内', 'In warranty'),
      readOnly: { and: [{ '!!': [{ var: 'data.purchaseDate' }] }, { '!=': [{ var: 'user.roles' }, null] }] },
    },
    { key: 'quantity', type: 'number', label: t('数量', 'Quantity'), min: 1, max: 999, precision: 0, unit: t('台', 'units'), default: 1 },
    {
      key: 'unitPrice',
      type: 'money',
      label: t('单价', 'Unit price'),
      currency: 'CNY',
      min: '0',
      max: '99999.99',
      precision: 2,
      visible: { '!': [{ var: 'data.inWarranty' }] },
    },
    {
      key: 'estimate',
      type: 'computed',
      label: t('预估费用', 'Estimate'),
      expression: { '*': [{ var: 'data.quantity' }, { var: 'data.unitPrice' }] },
      valueType: 'money',
    },
    {
      key: 'channels',
      type: 'multiSelect',
      label: t('通知方式', 'Notify by'),
      minItems: 0,
      maxItems: 3,
      options: opts(['sms', '短信', 'SMS'], ['wechat', '微信', 'WeChat'], ['email', '邮件', 'E-mail']),
    },
    { key: 'assignTo', type: 'user', label: t('指定工程师', 'Engineer'), roles: ['technician'], readOnly: { '!': [{ in: ['admin', { var: 'user.roles' }] }] } },
    { key: 'team', type: 'team', label: t('服务组', 'Team') },
    { key: 'orgUnit', type: 'orgUnit', label: t('服务网点', 'Service point') },
    { key: 'idNumber', type: 'idNumber', label: t('身份证号', 'ID number'), sensitive: true, visible: eq('data.source', 'portal') },
    { key: 'satisfaction', type: 'rating', label: t('预期满意度', 'Expected rating'), max: 5, allowHalf: true },
    { key: 'notes', type: 'richText', label: t('备注', 'Notes'), maxLength: 20000 },
    { key: 'photos', type: 'attachment', label: t('照片', 'Photos'), accept: ['image/*'], maxFiles: 9, maxSizeMb: 20 },
    { key: 'documents', type: 'attachment', label: t('附件', 'Documents'), accept: ['application/pdf', '.docx'], maxFiles: 5, maxSizeMb: 50 },
    {
      key: 'parts',
      type: 'subTable',
      label: t('所需备件', 'Parts needed'),
      minRows: 0,
      maxRows: 50,
      visible: eq('data.onSite', true),
      fields: [
        { key: 'part', type: 'recordRef', label: t('备件', 'Part'), recordType: 'product', required: true },
        { key: 'qty', type: 'number', label: t('数量', 'Qty'), min: 1, precision: 0, required: true },
        { key: 'price', type: 'money', label: t('单价', 'Price'), currency: 'CNY', precision: 2 },
        { key: 'source', type: 'select', label: t('来源', 'Source'), options: opts(['stock', '库存', 'Stock'], ['order', '订购', 'Order']) },
      ],
    },
    { key: 'caseNo', type: 'serialNumber', label: t('案例编号', 'Case no.'), pattern: 'CS{yyyy}{seq:6}' },
    { key: 'vip', type: 'switch', label: t('VIP 客户', 'VIP customer'), readOnly: true },
    {
      key: 'vipNote',
      type: 'textarea',
      label: t('VIP 备注', 'VIP note'),
      visible: eq('data.vip', true),
      required: { and: [eq('data.vip', true), { '>': [{ var: 'data.quantity' }, 10] }] },
    },
    { key: 'reference', type: 'text', label: t('外部单号', 'External reference'), maxLength: 64, placeholder: t('选填', 'optional') },
  ];
  // Small per-variant differences so the ticket types are not byte-identical.
  (fields[0] as Field).maxLength = 120 + variant * 40;
  (fields[23] as Field).max = 500 + variant * 100;
  return fields;
}

function receiptFormFields(): Field[] {
  return [
    { key: 'resolution', type: 'textarea', label: t('处理结果', 'Resolution'), maxLength: 5000, required: true },
    {
      key: 'cause',
      type: 'select',
      label: t('故障原因', 'Cause'),
      options: opts(['wear', '正常磨损', 'Wear'], ['misuse', '使用不当', 'Misuse'], ['defect', '产品缺陷', 'Defect'], ['install', '安装问题', 'Installation']),
    },
    { key: 'satisfied', type: 'switch', label: t('客户满意', 'Customer satisfied') },
    { key: 'rating', type: 'rating', label: t('服务评分', 'Rating'), max: 5 },
    { key: 'fee', type: 'money', label: t('收费金额', 'Fee'), currency: 'CNY', min: '0', precision: 2, visible: { '!': [{ var: 'data.inWarranty' }] } },
    { key: 'finishedAt', type: 'datetime', label: t('完工时间', 'Finished at'), required: true },
    { key: 'photos', type: 'attachment', label: t('完工照片', 'Photos'), accept: ['image/*'], maxFiles: 9 },
    { key: 'signature', type: 'signature', label: t('客户签字', 'Customer signature'), required: eq('data.onSite', true) },
  ];
}

function ticketType(key: string, zh: string, en: string, variant: number): Doc {
  const fields = ticketFormFields(variant);
  return {
    kind: 'ticketType',
    key,
    name: t(zh, en),
    description: t(`${zh}：受理、上门、完工回访`, `${en}: accept, visit, confirm`),
    category: 'workOrder',
    icon: 'tool',
    color: '#1677ff',
    numbering: { pattern: `${key.slice(0, 2).toUpperCase()}{yyyyMMdd}{seq:4}`, sequenceScope: ['tenant', 'day'], start: 1 },
    form: { fields },
    receiptForm: { fields: receiptFormFields() },
    components: ['parts-used', 'travel-log'],
    process: 'general',
    steps: { accept: { timeout: 'PT2H' }, handle: { timeout: 'PT24H', approval: variant === 1 }, confirm: { enabled: true, timeout: 'P2D' } },
    visibility: { roles: ['agent', 'technician', 'admin', 'dispatcher'] },
    defaultDataScope: 'team',
    priorities: 'priorities',
    calendar: 'default',
    sla: variant === 2 ? 'vip' : 'standard',
    reports: ['service-report'],
    listColumns: ['number', 'title', 'status', 'priority', 'customer', 'assignee', 'createdAt', 'serviceItem', 'appointment'],
    titleField: 'title',
    portal: {
      enabled: true,
      verification: 'phone',
      fields: ['title', 'description', 'contactPhone', 'photos'],
      intro: t('请描述您遇到的问题。', 'Describe the problem.'),
    },
  };
}

function component(key: string, zh: string, en: string): Doc {
  return {
    kind: 'component',
    key,
    name: t(zh, en),
    rows: 'multiple',
    minRows: 0,
    maxRows: 200,
    category: 'logistics',
    summaryFields: ['item', 'qty', 'amount'],
    fields: [
      { key: 'item', type: 'recordRef', label: t('物料', 'Item'), recordType: 'product', required: true },
      { key: 'qty', type: 'number', label: t('数量', 'Qty'), min: 1, max: 10000, precision: 0, required: true },
      { key: 'unit', type: 'select', label: t('单位', 'Unit'), options: opts(['pcs', '个', 'pcs'], ['set', '套', 'set'], ['m', '米', 'm']) },
      { key: 'price', type: 'money', label: t('单价', 'Price'), currency: 'CNY', min: '0', precision: 2 },
      { key: 'amount', type: 'computed', label: t('金额', 'Amount'), expression: { '*': [{ var: 'data.qty' }, { var: 'data.price' }] }, valueType: 'money' },
      { key: 'warranty', type: 'switch', label: t('保内', 'Warranty') },
      { key: 'batch', type: 'text', label: t('批次', 'Batch'), maxLength: 40, pattern: '^[A-Z0-9-]+$' },
      { key: 'usedAt', type: 'datetime', label: t('使用时间', 'Used at') },
      { key: 'technician', type: 'user', label: t('领用人', 'Taken by'), roles: ['technician'] },
      { key: 'note', type: 'textarea', label: t('说明', 'Note'), rows: 2, visible: { '!': [{ var: 'data.warranty' }] } },
      { key: 'photo', type: 'attachment', label: t('照片', 'Photo'), accept: ['image/*'], maxFiles: 3 },
      {
        key: 'returned',
        type: 'checkbox',
        label: t('旧件处理', 'Old part'),
        options: opts(['returned', '已返还', 'Returned'], ['scrapped', '已报废', 'Scrapped']),
      },
    ],
  };
}

/** A three-level tree of 5 × 5 × 11 = 305 items, leaves carrying a time limit. */
function treeDictionary(key: string, zh: string, en: string): Doc {
  const items = [];
  for (let a = 1; a <= 5; a++) {
    const mids = [];
    for (let b = 1; b <= 5; b++) {
      const leaves = [];
      for (let c = 1; c <= 11; c++) {
        const leaf: Doc = {
          value: `${key}-${a}-${b}-${c}`,
          label: t(`部位 ${a}.${b}.${c}`, `Part ${a}.${b}.${c}`),
          attributes: { timeLimit: `PT${c}H`, skill: `s${b}` },
        };
        if (c === 11) leaf.disabled = true;
        leaves.push(leaf);
      }
      mids.push({ value: `${key}-${a}-${b}`, label: t(`部件 ${a}.${b}`, `Assembly ${a}.${b}`), children: leaves });
    }
    items.push({ value: `${key}-${a}`, label: t(`系统 ${a}`, `System ${a}`), color: '#52c41a', children: mids });
  }
  return { kind: 'dictionary', key, name: t(zh, en), description: t('三级故障部位树', 'Three-level fault tree'), tree: true, items };
}

function role(key: string, zh: string, en: string, portal = false): Doc {
  return {
    kind: 'role',
    key,
    name: t(zh, en),
    permissions: {
      ticket: ['read', 'create', 'update', 'assign', 'claim', 'export', 'print'],
      record: ['read', 'create', 'update'],
      report: ['read', 'print'],
      knowledge: ['read'],
      sparePart: ['read', 'update'],
      notice: ['read'],
    },
    dataScope: { default: 'team', ticketTypes: { repair: 'orgUnit', installation: 'team', general: 'all' } },
    ticketTypes: ['general', 'repair', 'installation', 'maintenance'],
    fieldPermissions: {
      repair: { idNumber: 'hidden', unitPrice: 'read', estimate: 'read', assignTo: 'edit' },
      installation: { idNumber: 'hidden', unitPrice: 'edit' },
    },
    portal,
  };
}

function calendar(key: string): Doc {
  const holidays = [];
  const names: [string, string][] = [
    ['元旦', "New Year's Day"],
    ['春节', 'Spring Festival'],
    ['清明节', 'Qingming'],
    ['劳动节', 'Labour Day'],
    ['端午节', 'Dragon Boat'],
    ['中秋节', 'Mid-Autumn'],
    ['国庆节', 'National Day'],
  ];
  for (let i = 0; i < 30; i++) {
    const month = 1 + (Math.floor(i / 3) % 12);
    const day = 1 + (i % 3) * 9;
    const [zh, en] = names[i % names.length] as [string, string];
    holidays.push({ date: `2027-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`, name: t(zh, en) });
  }
  const day = [
    { from: '09:00', to: '12:00' },
    { from: '13:30', to: '18:00' },
  ];
  return {
    kind: 'calendar',
    key,
    name: t('2027 工作日历', 'Work calendar 2027'),
    timeZone: 'Asia/Shanghai',
    week: { mon: day, tue: day, wed: day, thu: day, fri: day, sat: [{ from: '09:00', to: '12:00' }], sun: [] },
    holidays,
    workdays: [
      { date: '2027-02-07', name: t('春节调休', 'Spring Festival makeup day') },
      { date: '2027-10-09', name: t('国庆调休', 'National Day makeup day'), hours: day },
      { date: '2027-04-25', hours: [{ from: '09:00', to: '17:00' }] },
    ],
  };
}

function slaPolicy(key: string, zh: string, en: string, scale: number): Doc {
  const h = (n: number) => `PT${n * scale}H`;
  return {
    kind: 'slaPolicy',
    key,
    name: t(zh, en),
    calendar: 'default',
    targets: [
      { priority: 'urgent', response: 'PT30M', resolution: h(4), when: eq('ticket.priority', 'urgent') },
      { priority: 'high', response: 'PT1H', resolution: h(8) },
      { when: { and: [eq('ticket.priority', 'normal'), { '==': [{ var: 'data.onSite' }, true] }] }, response: 'PT2H', resolution: 'P2D' },
      { response: 'PT4H', resolution: 'P3DT12H' },
    ],
    reminders: [
      { metric: 'response', before: 'PT15M', to: ['assignee'], template: 'ticket-assigned' },
      { metric: 'resolution', before: 'PT2H', to: ['assignee', 'manager'], template: 'ticket-assigned' },
      { metric: 'resolution', after: 'PT0M', to: ['role:dispatcher', 'watchers'] },
    ],
    escalations: [
      { metric: 'response', after: 'PT1H', to: ['manager'], severity: 'medium', template: 'ticket-assigned' },
      { metric: 'resolution', after: h(12), to: ['role:admin', 'team:escalation'], severity: 'high' },
    ],
  };
}

function reusableField(key: string, zh: string, en: string, type: string, extra: Doc): Doc {
  return { kind: 'field', key, name: t(zh, en), type, searchable: true, ...extra };
}

function messageTemplate(): Doc {
  return {
    kind: 'messageTemplate',
    key: 'visit-reminder',
    name: t('上门提醒', 'Visit reminder'),
    channel: 'sms',
    body: '【Docket】{{customer.name}}您好，工程师{{engineer}}将于{{appointment}}上门处理工单{{ticket.number}}。',
    parameters: [
      { name: 'customer.name', label: t('客户', 'Customer'), example: '张三' },
      { name: 'engineer', label: t('工程师', 'Engineer'), example: '李四' },
      { name: 'appointment', label: t('预约时间', 'Appointment'), example: '2027-03-01 14:00' },
      { name: 'ticket.number', label: t('工单号', 'Ticket number'), example: 'RE202703010001' },
    ],
    previewData: { customer: { name: '张三' }, engineer: '李四', appointment: '2027-03-01 14:00', ticket: { number: 'RE202703010001' } },
  };
}

/** The generated documents: realistic sizes, all valid, referring only to keys that exist. */
export function generatedDocuments(): { source: string; doc: Doc }[] {
  const docs: Doc[] = [
    ticketType('repair', '维修工单', 'Repair', 0),
    ticketType('installation', '安装工单', 'Installation', 1),
    ticketType('maintenance', '保养工单', 'Maintenance', 2),
    component('parts-used', '备件使用', 'Parts used'),
    component('travel-log', '出行记录', 'Travel log'),
    treeDictionary('fault-areas', '故障部位', 'Fault areas'),
    treeDictionary('product-catalog', '产品目录', 'Product catalog'),
    role('dispatcher', '派单员', 'Dispatcher'),
    role('portal-user', '门户用户', 'Portal user', true),
    calendar('china-2027'),
    slaPolicy('standard', '标准时效', 'Standard', 1),
    slaPolicy('vip', 'VIP 时效', 'VIP', 1),
    reusableField('serialNo', '序列号', 'Serial number', 'text', { maxLength: 64, pattern: '^[A-Z0-9]{6,20}$' }),
    reusableField('engineerLevel', '工程师等级', 'Engineer level', 'select', {
      options: opts(['junior', '初级', 'Junior'], ['senior', '高级', 'Senior'], ['expert', '专家', 'Expert']),
    }),
    reusableField('visitFee', '上门费', 'Visit fee', 'money', { currency: 'CNY', min: '0', max: '9999', precision: 2 }),
    {
      kind: 'dispatchRule',
      key: 'by-area',
      name: t('按区域派单', 'By area'),
      ticketTypes: ['repair', 'installation', 'maintenance'],
      enabled: true,
      rules: [
        { when: eq('data.urgency', 'urgent'), target: { type: 'team', ref: 'emergency' }, strategy: 'leastLoaded' },
        { when: { in: ['installation', { var: 'ticket.type' }] }, target: { type: 'pool', ref: 'installers' }, strategy: 'grab' },
        { when: true, target: { type: 'orgUnit', ref: 'hq' }, strategy: 'roundRobin' },
      ],
    },
    {
      kind: 'schedule',
      key: 'monthly-maintenance',
      name: t('每月保养', 'Monthly maintenance'),
      ticketType: 'maintenance',
      cron: '0 9 1 * *',
      timeZone: 'Asia/Shanghai',
      startDate: '2027-01-01',
      endDate: '2027-12-31',
      enabled: true,
      values: { title: '月度保养', onSite: true, quantity: 1 },
    },
    {
      kind: 'reportTemplate',
      key: 'service-report',
      name: t('服务报告', 'Service report'),
      file: '服务报告.xlsx',
      ticketTypes: ['repair', 'installation', 'maintenance', 'general'],
      output: 'pdf',
      scope: 'ticket',
    },
    messageTemplate(),
  ];
  return docs.map((doc) => ({ source: `generated:${doc.kind}/${doc.key}`, doc }));
}

/** Invalid variants of generated documents (about 10% of the corpus), each failing the schema. */
export function invalidDocuments(): { source: string; doc: Doc }[] {
  const out: { source: string; doc: Doc }[] = [];

  const unknownType = ticketType('repair-bad', '维修工单', 'Repair', 0);
  ((unknownType.form as { fields: Field[] }).fields[11] as Field).type = 'colorPicker';
  out.push({ source: 'invalid:ticketType with an unknown field type', doc: unknownType });

  const noName = component('parts-bad', '备件', 'Parts');
  delete noName.name;
  out.push({ source: 'invalid:component without a name', doc: noName });

  const badSla = slaPolicy('sla-bad', '时效', 'SLA', 1);
  ((badSla.escalations as Doc[])[0] as Doc).after = 'two hours';
  badSla.priorityField = 'urgency';
  out.push({ source: 'invalid:slaPolicy with a bad duration and an unknown property', doc: badSla });

  const badDict = treeDictionary('tree-bad', '树', 'Tree');
  const leaf = (((badDict.items as Doc[])[2] as Doc).children as Doc[])[1] as Doc;
  const bad = (leaf.children as Doc[])[4] as Doc;
  delete bad.label;
  bad.value = '';
  out.push({ source: 'invalid:dictionary with a leaf missing its label and an empty value', doc: badDict });

  return out;
}

/** Core definitions from definitions/ (empty when the folder is missing or unreadable). */
export async function coreDocuments(dir = DEFINITIONS_DIR): Promise<{ source: string; doc: unknown }[]> {
  if (!existsSync(dir)) return [];
  try {
    const { files } = await readDefinitionsFolder(dir);
    return files.map((f) => ({ source: `core:${f.file}`, doc: f.doc }));
  } catch {
    return [];
  }
}

export async function buildCorpus(): Promise<CorpusEntry[]> {
  const core = await coreDocuments();
  // Without a core process the ticket types' `process: general` would dangle.
  if (!core.some((c) => (c.doc as Doc | null)?.kind === 'process' && (c.doc as Doc).key === 'general')) {
    core.push({
      source: 'generated:process/general',
      doc: { kind: 'process', key: 'general', bpmn: generatedBpmn(20, 'general', ['accept', 'handle', 'confirm']) },
    });
  }
  return [
    ...core.map((c) => ({ ...c, intendedValid: true })),
    ...generatedDocuments().map((g) => ({ ...g, intendedValid: true })),
    ...invalidDocuments().map((g) => ({ ...g, intendedValid: false })),
  ];
}

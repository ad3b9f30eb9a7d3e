/**
 * Realistic, valid definition documents of every kind, in the flavour of a property
 * management / after-sales (售后宝) deployment: a repair work order (报修工单) with
 * its process, rooms (房间), a fault-type tree, spare parts, a dispatcher role, an
 * SLA, a dispatch rule, a monthly elevator inspection and the property-fee reminder.
 *
 * The set is closed under references: every key one example names is another example,
 * so `checkReferences` over the whole set reports nothing.
 */
import { expect } from 'vitest';
import type { DefinitionIssue, Kind } from '../index.ts';

export type Doc = Record<string, unknown>;
export const t = (zh: string, en: string) => ({ 'zh-CN': zh, en });
export const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export const REPAIR_TASKS = ['accept', 'dispatch', 'onSite', 'materials', 'review'];

export const REPAIR_BPMN = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                  xmlns:tk="http://docket.dev/schema/tk/1.0"
                  id="repair-definitions" targetNamespace="http://docket.dev/definitions/tests">
  <bpmn:process id="repair" name="报修流程" isExecutable="true">
    <bpmn:startEvent id="start" name="业主报修"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="accept" name="客服受理"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:userTask id="dispatch" name="派单"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:subProcess id="work" name="维修作业">
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:startEvent id="workStart"><bpmn:outgoing>w1</bpmn:outgoing></bpmn:startEvent>
      <bpmn:userTask id="onSite" name="上门维修"><bpmn:incoming>w1</bpmn:incoming><bpmn:outgoing>w2</bpmn:outgoing></bpmn:userTask>
      <bpmn:serviceTask id="materials" name="备件出库"><bpmn:incoming>w2</bpmn:incoming><bpmn:outgoing>w3</bpmn:outgoing></bpmn:serviceTask>
      <bpmn:endEvent id="workEnd"><bpmn:incoming>w3</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="w1" sourceRef="workStart" targetRef="onSite"/>
      <bpmn:sequenceFlow id="w2" sourceRef="onSite" targetRef="materials"/>
      <bpmn:sequenceFlow id="w3" sourceRef="materials" targetRef="workEnd"/>
    </bpmn:subProcess>
    <bpmn:userTask id="review" name="回访"><bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end" name="完成"><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="accept"/>
    <bpmn:sequenceFlow id="f2" sourceRef="accept" targetRef="dispatch"/>
    <bpmn:sequenceFlow id="f3" sourceRef="dispatch" targetRef="work"/>
    <bpmn:sequenceFlow id="f4" sourceRef="work" targetRef="review"/>
    <bpmn:sequenceFlow id="f5" sourceRef="review" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
`;

const eq = (v: string, x: unknown) => ({ '==': [{ var: v }, x] });

export const ticketType = (): Doc => ({
  kind: 'ticketType',
  key: 'repair',
  name: t('报修工单', 'Repair work order'),
  description: t('业主报修 → 派单 → 上门维修 → 回访', 'Resident reports a fault; a technician repairs it on site'),
  category: 'workOrder',
  icon: 'tool',
  color: '#fa8c16',
  numbering: { pattern: 'WX{yyyyMMdd}{seq:4}', sequenceScope: ['tenant', 'day'], start: 1 },
  form: {
    fields: [
      { key: 'title', type: 'text', label: t('标题', 'Title'), required: true, maxLength: 200, searchable: true },
      { key: 'room', type: 'recordRef', label: t('房间', 'Room'), recordType: 'room', required: true },
      { key: 'faultType', type: 'cascader', label: t('故障类型', 'Fault type'), dictionary: 'fault-types', leafOnly: true },
      {
        key: 'urgency',
        type: 'select',
        label: t('紧急程度', 'Urgency'),
        default: 'normal',
        options: [
          { value: 'normal', label: t('一般', 'Normal') },
          { value: 'urgent', label: t('紧急', 'Urgent'), color: '#f5222d' },
        ],
      },
      { key: 'ownerPhone', type: 'ref', ref: 'owner-phone', required: true },
      { key: 'onSite', type: 'switch', label: t('需要上门', 'On-site visit'), default: true },
      { key: 'siteInfo', type: 'section', label: t('上门信息', 'Visit'), visible: eq('data.onSite', true), style: 'title' },
      {
        key: 'appointment',
        type: 'datetime',
        label: t('预约时间', 'Appointment'),
        min: 'today',
        minuteStep: 30,
        visible: eq('data.onSite', true),
        required: eq('data.onSite', true),
      },
      {
        key: 'parts',
        type: 'subTable',
        label: t('所需备件', 'Parts needed'),
        maxRows: 20,
        fields: [
          { key: 'partName', type: 'text', label: t('备件名称', 'Part'), required: true },
          { key: 'quantity', type: 'number', label: t('数量', 'Quantity'), min: 1, max: 99, precision: 0 },
        ],
      },
      { key: 'photos', type: 'attachment', label: t('现场照片', 'Photos'), accept: ['image/*'], maxFiles: 9, maxSizeMb: 20 },
      { key: 'estimate', type: 'computed', label: t('预估费用', 'Estimate'), valueType: 'number', expression: { '*': [{ var: 'data.urgency' }, 0] } },
    ],
  },
  receiptForm: {
    fields: [
      { key: 'result', type: 'textarea', label: t('处理结果', 'Result'), required: true, maxLength: 2000 },
      { key: 'fee', type: 'money', label: t('维修费用', 'Fee'), currency: 'CNY', min: '0', precision: 2 },
      { key: 'signature', type: 'signature', label: t('业主签字', 'Signature'), required: eq('data.onSite', true) },
      { key: 'rating', type: 'rating', label: t('满意度', 'Rating'), max: 5, visible: { '!!': [{ var: 'receipt.result' }] } },
    ],
  },
  components: ['spare-parts'],
  process: 'repair',
  steps: { dispatch: { timeout: 'PT30M' }, onSite: { timeout: 'PT4H', enabled: true }, review: { approval: false } },
  visibility: { roles: ['dispatcher'], teams: ['plumbing-team'] },
  defaultDataScope: 'orgUnit',
  calendar: 'property-hours',
  sla: 'repair-sla',
  reports: ['repair-sheet'],
  listColumns: ['number', 'title', 'status', 'room', 'urgency', 'assignee', 'createdAt'],
  titleField: 'title',
  portal: {
    enabled: true,
    verification: 'phone',
    fields: ['title', 'room', 'faultType', 'photos'],
    intro: t('请描述故障，我们会尽快安排维修。', 'Describe the fault.'),
  },
});

export const field = (): Doc => ({
  kind: 'field',
  key: 'owner-phone',
  name: t('业主电话', 'Owner phone'),
  type: 'phone',
  mobileOnly: true,
  sensitive: true,
  searchable: true,
  help: t('用于维修人员联系业主', 'Used by the technician to reach the owner'),
});

export const component = (): Doc => ({
  kind: 'component',
  key: 'spare-parts',
  name: t('备件使用', 'Spare parts used'),
  rows: 'multiple',
  minRows: 0,
  maxRows: 50,
  category: 'logistics',
  fields: [
    { key: 'partName', type: 'text', label: t('备件名称', 'Part'), required: true },
    { key: 'model', type: 'text', label: t('规格型号', 'Model') },
    { key: 'quantity', type: 'number', label: t('数量', 'Quantity'), min: 1, precision: 0 },
    { key: 'unitPrice', type: 'money', label: t('单价', 'Unit price'), currency: 'CNY' },
  ],
  summaryFields: ['partName', 'quantity'],
});

export const processDoc = (): Doc => ({ kind: 'process', key: 'repair', bpmn: REPAIR_BPMN });

export const recordType = (): Doc => ({
  kind: 'recordType',
  key: 'room',
  name: t('房间', 'Room'),
  fields: [
    { key: 'building', type: 'text', label: t('楼栋', 'Building'), required: true },
    { key: 'unit', type: 'text', label: t('单元', 'Unit') },
    { key: 'roomNo', type: 'text', label: t('房号', 'Room number'), required: true, pattern: '^\\d{3,4}$' },
    { key: 'area', type: 'number', label: t('建筑面积', 'Floor area'), unit: t('平方米', 'm²'), min: 0 },
    { key: 'ownerName', type: 'text', label: t('业主姓名', 'Owner') },
    { key: 'ownerPhone', type: 'phone', label: t('业主电话', 'Owner phone'), sensitive: true },
  ],
  titleField: 'roomNo',
  numbering: { pattern: 'FJ{seq:6}' },
  uniqueness: [{ fields: ['roomNo'], scope: ['building', 'unit'] }],
  listColumns: ['building', 'unit', 'roomNo', 'ownerName'],
});

export const dictionary = (): Doc => ({
  kind: 'dictionary',
  key: 'fault-types',
  name: t('故障类型', 'Fault types'),
  tree: true,
  items: [
    {
      value: 'plumbing-electrical',
      label: t('水电', 'Plumbing and electrical'),
      children: [
        { value: 'water-leak', label: t('漏水', 'Water leak'), attributes: { timeLimit: 'PT4H' } },
        { value: 'power-outage', label: t('停电', 'Power outage'), attributes: { timeLimit: 'PT2H' } },
      ],
    },
    { value: 'doors-windows', label: t('门窗', 'Doors and windows'), children: [{ value: 'door-lock', label: t('门锁故障', 'Door lock') }] },
    { value: 'elevator', label: t('电梯', 'Elevator'), color: '#f5222d' },
    { value: 'other', label: t('其他', 'Other'), disabled: true },
  ],
});

export const role = (): Doc => ({
  kind: 'role',
  key: 'dispatcher',
  name: t('调度员', 'Dispatcher'),
  permissions: { ticket: ['read', 'update', 'assign'], record: ['read'] },
  dataScope: { default: 'orgUnit', ticketTypes: { repair: 'all' } },
  ticketTypes: ['repair'],
  fieldPermissions: { repair: { ownerPhone: 'read', photos: 'edit' } },
});

export const calendar = (): Doc => ({
  kind: 'calendar',
  key: 'property-hours',
  name: t('物业服务时间', 'Property service hours'),
  timeZone: 'Asia/Shanghai',
  week: Object.fromEntries(
    ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d) => [
      d,
      [
        { from: '08:30', to: '12:00' },
        { from: '13:30', to: '17:30' },
      ],
    ]),
  ),
  holidays: [{ date: '2026-10-01', name: t('国庆节', 'National Day') }, { date: '2026-10-02' }],
  workdays: [{ date: '2026-10-10', name: t('国庆调休', 'Makeup working day'), hours: [{ from: '09:00', to: '17:00' }] }],
});

export const messageTemplate = (): Doc => ({
  kind: 'messageTemplate',
  key: 'fee-reminder',
  name: t('物业费催缴', 'Property fee reminder'),
  channel: 'sms',
  subject: '{{年度}}年{{月份}}月物业费',
  body: '尊敬的{{客户}}：您{{年度}}年{{月份}}月的物业费 {{费用信息.金额}} 元尚未缴纳，请及时缴费。',
  parameters: [
    { name: '客户', label: t('客户', 'Customer'), example: '张伟' },
    { name: '年度', label: t('年度', 'Year'), example: 2026 },
    { name: '月份', label: t('月份', 'Month'), example: 3 },
    { name: '费用信息', label: t('费用信息', 'Fee details'), example: { 金额: '1280.00' } },
  ],
  previewData: { 客户: '张伟', 年度: 2026, 月份: 3, 费用信息: { 金额: '1280.00' } },
});

export const reportTemplate = (): Doc => ({
  kind: 'reportTemplate',
  key: 'repair-sheet',
  name: t('维修派工单', 'Repair dispatch sheet'),
  file: '维修派工单.xlsx',
  ticketTypes: ['repair'],
  output: 'pdf',
  scope: 'ticket',
});

export const slaPolicy = (): Doc => ({
  kind: 'slaPolicy',
  key: 'repair-sla',
  name: t('报修时效', 'Repair time limits'),
  calendar: 'property-hours',
  targets: [
    { when: eq('data.urgency', 'urgent'), response: 'PT30M', resolution: 'PT4H' },
    { response: 'PT2H', resolution: 'P1DT12H' },
  ],
  reminders: [{ metric: 'resolution', before: 'PT1H', to: ['assignee'], template: 'fee-reminder' }],
  escalations: [{ metric: 'resolution', after: 'PT2H', to: ['manager', 'role:dispatcher'], severity: 'high' }],
});

export const dispatchRule = (): Doc => ({
  kind: 'dispatchRule',
  key: 'repair-dispatch',
  name: t('报修自动派单', 'Repair auto-dispatch'),
  ticketTypes: ['repair'],
  enabled: true,
  rules: [
    { when: { in: [{ var: 'data.faultType' }, ['water-leak', 'power-outage']] }, target: { type: 'team', ref: 'plumbing-team' }, strategy: 'leastLoaded' },
    { when: true, target: { type: 'pool', ref: 'repair-pool' }, strategy: 'grab' },
  ],
});

export const schedule = (): Doc => ({
  kind: 'schedule',
  key: 'elevator-inspection',
  name: t('电梯月度巡检', 'Monthly elevator inspection'),
  ticketType: 'repair',
  cron: '0 9 1 * *',
  timeZone: 'Asia/Shanghai',
  startDate: '2026-01-01',
  endDate: '2026-12-31',
  enabled: true,
  values: { title: '电梯月度巡检', faultType: 'elevator', onSite: true },
});

/** One valid example per kind, freshly built on every call (tests mutate them). */
export const EXAMPLES: Record<Kind, () => Doc> = {
  ticketType,
  field,
  component,
  process: processDoc,
  recordType,
  dictionary,
  role,
  calendar,
  messageTemplate,
  reportTemplate,
  slaPolicy,
  dispatchRule,
  schedule,
};

// ── assertions ──

const HAN = /\p{Script=Han}/u;
export const CODE = /^DEF_[A-Z0-9_]+$/;

/** Every issue is coded, pointed, has a severity and a message in both languages. */
export function expectWellFormed(issues: readonly DefinitionIssue[]) {
  for (const i of issues) {
    // Digits are allowed: DEF_INVALID_I18N_TEXT is a real code (the brief's /^DEF_[A-Z_]+$/ would reject it).
    expect(i.code).toMatch(CODE);
    expect(i.pointer === '' || i.pointer.startsWith('/')).toBe(true);
    expect(['error', 'warning']).toContain(i.severity);
    expect(i.message.en.trim()).not.toBe('');
    expect(i.message['zh-CN']).toMatch(HAN);
  }
}

/** Exactly one issue, with this code, pointer and severity, and bilingual messages. */
export function expectOnly(issues: readonly DefinitionIssue[], code: string, pointer: string, severity: 'error' | 'warning' = 'error') {
  expect(issues.map((i) => `${i.code} ${i.pointer} ${i.severity}`)).toEqual([`${code} ${pointer} ${severity}`]);
  expectWellFormed(issues);
  return issues[0] as DefinitionIssue;
}

/** At least one issue with this code and pointer (others may accompany it). */
export function expectHas(issues: readonly DefinitionIssue[], code: string, pointer: string, severity: 'error' | 'warning' = 'error') {
  const found = issues.find((i) => i.code === code && i.pointer === pointer);
  expect(found, `${code} at ${pointer} in ${JSON.stringify(issues.map((i) => [i.code, i.pointer]))}`).toBeDefined();
  expect(found?.severity).toBe(severity);
  expectWellFormed(issues);
  return found as DefinitionIssue;
}

import type { TSchema } from 'typebox';
import { type Calendar, CalendarSchema } from './calendar.ts';
import { type Component, ComponentSchema } from './component.ts';
import { type Dictionary, type DictionaryItem, DictionarySchema } from './dictionary.ts';
import { type DispatchRule, DispatchRuleSchema } from './dispatch-rule.ts';
import { FieldSchema, type ReusableField } from './field.ts';
import { type MessageTemplate, MessageTemplateSchema } from './message-template.ts';
import { type ProcessDefinition, ProcessSchema } from './process.ts';
import { type RecordType, RecordTypeSchema } from './record-type.ts';
import { type ReportTemplate, ReportTemplateSchema } from './report-template.ts';
import { type Role, RoleSchema } from './role.ts';
import { type Schedule, ScheduleSchema } from './schedule.ts';
import { type SlaPolicy, SlaPolicySchema } from './sla-policy.ts';
import { type TicketType, TicketTypeSchema } from './ticket-type.ts';

interface KindSpec {
  schema: TSchema;
  /** Folder in a definitions tree (core definitions/, plugins, export). */
  folder: string;
  /** File extension in that folder. */
  extension: '.json' | '.bpmn';
}

/** Every definition kind, its schema and where its files live. */
export const KINDS = {
  ticketType: { schema: TicketTypeSchema, folder: 'ticket-types', extension: '.json' },
  field: { schema: FieldSchema, folder: 'fields', extension: '.json' },
  component: { schema: ComponentSchema, folder: 'components', extension: '.json' },
  process: { schema: ProcessSchema, folder: 'processes', extension: '.bpmn' },
  recordType: { schema: RecordTypeSchema, folder: 'record-types', extension: '.json' },
  dictionary: { schema: DictionarySchema, folder: 'dictionaries', extension: '.json' },
  role: { schema: RoleSchema, folder: 'roles', extension: '.json' },
  calendar: { schema: CalendarSchema, folder: 'calendars', extension: '.json' },
  messageTemplate: { schema: MessageTemplateSchema, folder: 'message-templates', extension: '.json' },
  reportTemplate: { schema: ReportTemplateSchema, folder: 'report-templates', extension: '.json' },
  slaPolicy: { schema: SlaPolicySchema, folder: 'sla-policies', extension: '.json' },
  dispatchRule: { schema: DispatchRuleSchema, folder: 'dispatch-rules', extension: '.json' },
  schedule: { schema: ScheduleSchema, folder: 'schedules', extension: '.json' },
} as const satisfies Record<string, KindSpec>;

export type Kind = keyof typeof KINDS;
export const KIND_NAMES = Object.keys(KINDS) as Kind[];
export const isKind = (k: unknown): k is Kind => typeof k === 'string' && Object.hasOwn(KINDS, k);
export const kindOfFolder = (folder: string): Kind | undefined => KIND_NAMES.find((k) => KINDS[k].folder === folder);

export interface DocumentsByKind {
  ticketType: TicketType;
  field: ReusableField;
  component: Component;
  process: ProcessDefinition;
  recordType: RecordType;
  dictionary: Dictionary;
  role: Role;
  calendar: Calendar;
  messageTemplate: MessageTemplate;
  reportTemplate: ReportTemplate;
  slaPolicy: SlaPolicy;
  dispatchRule: DispatchRule;
  schedule: Schedule;
}
export type DefinitionDocument = DocumentsByKind[Kind];

export type {
  Calendar,
  Component,
  Dictionary,
  DictionaryItem,
  DispatchRule,
  MessageTemplate,
  ProcessDefinition,
  RecordType,
  ReportTemplate,
  ReusableField,
  Role,
  Schedule,
  SlaPolicy,
  TicketType,
};

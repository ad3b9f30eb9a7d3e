import Type, { type Static } from 'typebox';
import { FormSchema } from '../field-types.ts';
import { Duration, FieldKey, header, I18nText, Key, StringEnum, strict } from '../schema-kit.ts';

export const TICKET_CATEGORIES = ['event', 'workOrder', 'serviceRequest', 'complaint', 'praise', 'inquiry', 'feedback', 'task', 'other'] as const;
export const DATA_SCOPES = ['own', 'participant', 'team', 'orgUnit', 'all'] as const;
export const SEQUENCE_SCOPES = ['tenant', 'ticketType', 'orgUnit', 'year', 'month', 'day'] as const;
/** Columns every ticket has, usable in list columns next to form field keys. */
export const SYSTEM_COLUMNS = [
  'number',
  'title',
  'type',
  'status',
  'statusCategory',
  'priority',
  'customer',
  'product',
  'assignee',
  'registrant',
  'team',
  'orgUnit',
  'createdAt',
  'updatedAt',
  'deadline',
  'closedAt',
  'rating',
] as const;

export const NumberingSchema = Type.Object(
  {
    pattern: Type.String({ minLength: 1, maxLength: 100, description: 'e.g. WX{yyyyMMdd}{seq:4}; tokens {yyyy} {yy} {MM} {dd} {yyyyMMdd} {orgUnit} {seq:N}' }),
    sequenceScope: Type.Optional(Type.Array(StringEnum(SEQUENCE_SCOPES), { uniqueItems: true })),
    start: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  strict,
);

/** Per-step settings a ticket type may override on its process (售后宝: each step on/off, timeout). */
export const StepSettingsSchema = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    timeout: Type.Optional(Duration),
    approval: Type.Optional(Type.Boolean({ description: 'Whether the approval configured on the step applies' })),
  },
  strict,
);
export type StepSettings = Static<typeof StepSettingsSchema>;

export const TicketTypeSchema = Type.Object(
  {
    ...header('ticketType'),
    category: StringEnum(TICKET_CATEGORIES),
    icon: Type.Optional(Type.String({ maxLength: 100 })),
    color: Type.Optional(Type.String({ pattern: '^#[0-9a-fA-F]{6}$' })),
    numbering: Type.Optional(NumberingSchema),
    form: FormSchema,
    receiptForm: Type.Optional(FormSchema),
    components: Type.Optional(Type.Array(Key, { uniqueItems: true })),
    process: Key,
    steps: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z_][\\w.-]*$' }), StepSettingsSchema, { additionalProperties: false })),
    visibility: Type.Optional(
      Type.Object(
        {
          roles: Type.Optional(Type.Array(Key, { uniqueItems: true })),
          teams: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true })),
        },
        strict,
      ),
    ),
    defaultDataScope: Type.Optional(StringEnum(DATA_SCOPES)),
    priorities: Type.Optional(Key),
    calendar: Type.Optional(Key),
    sla: Type.Optional(Key),
    reports: Type.Optional(Type.Array(Key, { uniqueItems: true })),
    listColumns: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true })),
    titleField: Type.Optional(FieldKey),
    portal: Type.Optional(
      Type.Object(
        {
          enabled: Type.Boolean(),
          verification: Type.Optional(StringEnum(['none', 'phone', 'ownerIdentity'] as const)),
          fields: Type.Optional(Type.Array(FieldKey, { uniqueItems: true, description: 'Form fields customers fill; the rest are for staff' })),
          intro: Type.Optional(I18nText),
        },
        strict,
      ),
    ),
  },
  { ...strict, $id: 'ticketType' },
);
export type TicketType = Static<typeof TicketTypeSchema>;

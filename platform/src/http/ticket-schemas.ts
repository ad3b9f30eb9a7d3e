import { TASK_ACTIONS } from '@docket/runtime/process/index.ts';
import Type from 'typebox';
import { FILTER_OPS } from './filter-param.ts';
import { DateTime } from './schemas.ts';

/** HTTP shapes of tickets: TypeBox mirrors of runtime/src/records/tickets-api.ts. */
const Nullable = <T extends import('typebox').TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Values = Type.Record(Type.String(), Type.Unknown(), { description: 'Form values by field key' });
const Rows = Type.Record(Type.String(), Type.Array(Type.Record(Type.String(), Type.Unknown())), {
  description: 'Add-on component rows by component key (single-row components: one row)',
});
export const TicketId = Type.String({ format: 'uuid' });
const Key = Type.String({ minLength: 1, maxLength: 120 });

export const NewTicketBody = Type.Object(
  {
    type: Key,
    title: Type.Optional(Type.String({ maxLength: 500 })),
    description: Type.Optional(Type.String({ maxLength: 20000 })),
    priority: Type.Optional(Type.String({ maxLength: 50 })),
    customerId: Type.Optional(Type.String({ format: 'uuid' })),
    productId: Type.Optional(Type.String({ format: 'uuid' })),
    team: Type.Optional(Key),
    orgUnit: Type.Optional(Key),
    parentId: Type.Optional(TicketId),
    data: Type.Optional(Values),
    components: Type.Optional(Rows),
    channel: Type.Optional(Type.String({ maxLength: 50 })),
  },
  { additionalProperties: false },
);

export const TicketUpdateBody = Type.Object(
  {
    version: Type.Integer({ minimum: 1, description: 'The version you read; another version is 409 CONFLICT' }),
    title: Type.Optional(Type.String({ maxLength: 500 })),
    description: Type.Optional(Type.String({ maxLength: 20000 })),
    priority: Type.Optional(Type.String({ maxLength: 50 })),
    customerId: Type.Optional(Nullable(Type.String({ format: 'uuid' }))),
    productId: Type.Optional(Nullable(Type.String({ format: 'uuid' }))),
    data: Type.Optional(Values),
    components: Type.Optional(Rows),
  },
  { additionalProperties: false },
);

export const ActionBody = Type.Object(
  {
    task: Type.String({ minLength: 1, maxLength: 200 }),
    action: Type.Unsafe<(typeof TASK_ACTIONS)[number]>({ type: 'string', enum: [...TASK_ACTIONS] }),
    version: Type.Optional(Type.Integer({ minimum: 1 })),
    input: Type.Optional(
      Type.Object(
        {
          values: Type.Optional(Values),
          to: Type.Optional(Type.String({ maxLength: 200 })),
          users: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 100 })),
          reason: Type.Optional(Type.String({ maxLength: 2000 })),
          comment: Type.Optional(Type.String({ maxLength: 5000 })),
          severity: Type.Optional(Type.String({ maxLength: 50 })),
          cc: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 100 })),
          step: Type.Optional(Type.String({ maxLength: 200 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const Step = Type.Object({
  task: Type.String(),
  node: Type.String(),
  name: Type.String(),
  status: Type.String(),
  assignee: Type.Optional(Type.String()),
  candidates: Type.Array(Type.String()),
  dueAt: Type.Optional(Type.String()),
  paused: Type.Boolean(),
  actions: Type.Array(Type.String(), { description: 'What the caller may do here: exactly the buttons to show' }),
});

const listItemProps = {
  id: Type.String(),
  number: Nullable(Type.String()),
  type: Type.String(),
  title: Nullable(Type.String()),
  status: Type.String(),
  statusCategory: Type.String(),
  priority: Nullable(Type.String()),
  assignee: Nullable(Type.String()),
  registrant: Nullable(Type.String()),
  team: Nullable(Type.String()),
  orgUnit: Nullable(Type.String()),
  customerId: Nullable(Type.String()),
  createdAt: DateTime,
  updatedAt: DateTime,
  dueAt: Nullable(DateTime),
  data: Values,
};
export const TicketListItemSchema = Type.Object(listItemProps);
export const TicketDetailSchema = Type.Object({
  ...listItemProps,
  release: Type.Integer(),
  version: Type.Integer(),
  description: Nullable(Type.String()),
  productId: Nullable(Type.String()),
  parentId: Nullable(Type.String()),
  children: Type.Array(Type.String()),
  channel: Nullable(Type.String()),
  processStatus: Type.String(),
  receipt: Values,
  components: Rows,
  participants: Type.Array(Type.Object({ userId: Type.String(), role: Type.String() })),
  rating: Nullable(Type.Number()),
  closedAt: Nullable(DateTime),
  steps: Type.Array(Step),
  editable: Type.Array(Type.String(), { description: 'Fields the caller may edit now' }),
});

export const Filter = Type.Object(
  {
    field: Type.String({ minLength: 1, maxLength: 130, description: 'A system column (number, status, priority, createdAt…) or data.<field key>' }),
    op: Type.Unsafe<(typeof FILTER_OPS)[number]>({ type: 'string', enum: [...FILTER_OPS] }),
    value: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);
export const VIEWS = ['mine', 'team', 'unassigned', 'overdue', 'all', 'participating'] as const;
export const View = Type.Unsafe<(typeof VIEWS)[number]>({ type: 'string', enum: [...VIEWS], description: 'Saved views / tabs' });
export const SearchBody = Type.Object(
  {
    type: Type.Optional(Key),
    view: Type.Optional(View),
    statusCategory: Type.Optional(Type.Array(Type.String({ maxLength: 20 }), { maxItems: 6 })),
    filters: Type.Optional(Type.Array(Filter, { maxItems: 20 })),
    search: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    sort: Type.Optional(
      Type.Object(
        { field: Type.String({ maxLength: 130 }), direction: Type.Union([Type.Literal('asc'), Type.Literal('desc')]) },
        { additionalProperties: false },
      ),
    ),
    cursor: Type.Optional(Type.String({ maxLength: 2000 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  },
  { additionalProperties: false },
);
export const TicketPageSchema = Type.Object({ items: Type.Array(TicketListItemSchema), nextCursor: Nullable(Type.String()) });

export const CommentSchema = Type.Object({
  id: Type.String(),
  author: Type.String(),
  body: Type.String(),
  visibility: Type.Union([Type.Literal('internal'), Type.Literal('public')]),
  createdAt: DateTime,
});
export const AttachmentSchema = Type.Object({
  id: Type.String(),
  filename: Type.String(),
  contentType: Type.String(),
  size: Type.Integer(),
  sha256: Type.String(),
  field: Nullable(Type.String()),
  uploadedBy: Type.String(),
  createdAt: DateTime,
});
export const BulkResultSchema = Type.Object({
  id: Type.String(),
  ok: Type.Boolean(),
  code: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
});

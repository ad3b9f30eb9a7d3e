import Type, { type Static } from 'typebox';

/**
 * The one shape every json-logic rule sees: form visibility/required/readOnly/computed
 * rules, sequence-flow conditions, SLA targets, dispatch rules. Defined once, here.
 *
 *   {"==": [{"var": "data.onSite"}, true]}
 */
export const RuleContextSchema = Type.Object(
  {
    data: Type.Record(Type.String(), Type.Unknown(), { description: 'Form values by field key' }),
    receipt: Type.Record(Type.String(), Type.Unknown(), { description: 'Receipt (回单) form values by field key' }),
    components: Type.Record(Type.String(), Type.Array(Type.Record(Type.String(), Type.Unknown())), {
      description: 'Add-on component rows by component key (single-row components have one row)',
    }),
    ticket: Type.Object({
      id: Type.String(),
      number: Type.String(),
      type: Type.String({ description: 'Ticket type key' }),
      title: Type.String(),
      status: Type.String({ description: 'Status shown at the current step, e.g. 待指派' }),
      statusCategory: Type.String({ description: 'new | open | pending | resolved | closed | cancelled' }),
      priority: Type.String(),
      createdAt: Type.String({ format: 'date-time' }),
      updatedAt: Type.String({ format: 'date-time' }),
      dueAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      orgUnit: Type.Union([Type.String(), Type.Null()]),
      release: Type.Integer({ description: 'Release number the ticket started under' }),
    }),
    user: Type.Object({
      id: Type.String(),
      roles: Type.Array(Type.String()),
      teams: Type.Array(Type.String()),
      posts: Type.Array(Type.String()),
      orgUnit: Type.Union([Type.String(), Type.Null()]),
    }),
    step: Type.Union([
      Type.Object({ id: Type.String(), name: Type.String(), status: Type.String() }),
      Type.Null({ description: 'null while the ticket is not at a user task (e.g. on the create form)' }),
    ]),
    now: Type.String({ format: 'date-time', description: 'Current instant, ISO 8601' }),
    row: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Inside a component or sub-table: the values of the current row' })),
  },
  { $id: 'RuleContext' },
);
export type RuleContext = Static<typeof RuleContextSchema>;

export const RULE_ROOTS = Object.keys(RuleContextSchema.properties) as (keyof RuleContext)[];
/** Record filters additionally see `record`, the candidate record being filtered. */
export const RECORD_FILTER_ROOTS = [...RULE_ROOTS, 'record'];

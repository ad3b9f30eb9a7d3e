import Type, { type Static } from 'typebox';
import { Duration, header, Key, Rule, StringEnum, strict } from '../schema-kit.ts';

/** Who a reminder or escalation goes to: fixed audiences or `role:<key>`, `post:<code>`, `user:<id>`. */
export const Recipient = Type.String({
  pattern: '^(assignee|collaborators|creator|manager|handlers|watchers|(role|post|user|team):[\\w:.-]+)$',
});
const Metric = StringEnum(['response', 'resolution'] as const);

/** Response and resolution targets with reminders and escalations (seed 003: time limits per item). */
export const SlaPolicySchema = Type.Object(
  {
    ...header('slaPolicy'),
    calendar: Key,
    targets: Type.Array(
      Type.Object(
        {
          when: Type.Optional(Rule),
          priority: Type.Optional(Type.String({ minLength: 1 })),
          response: Type.Optional(Duration),
          resolution: Type.Optional(Duration),
        },
        strict,
      ),
      { minItems: 1 },
    ),
    reminders: Type.Optional(
      Type.Array(
        Type.Object(
          {
            metric: Metric,
            before: Type.Optional(Duration),
            after: Type.Optional(Duration),
            to: Type.Array(Recipient, { minItems: 1, uniqueItems: true }),
            template: Type.Optional(Key),
          },
          strict,
        ),
      ),
    ),
    escalations: Type.Optional(
      Type.Array(
        Type.Object(
          {
            metric: Metric,
            after: Duration,
            to: Type.Array(Recipient, { minItems: 1, uniqueItems: true }),
            severity: Type.Optional(StringEnum(['low', 'medium', 'high', 'critical'] as const)),
            template: Type.Optional(Key),
          },
          strict,
        ),
      ),
    ),
  },
  { ...strict, $id: 'slaPolicy' },
);
export type SlaPolicy = Static<typeof SlaPolicySchema>;

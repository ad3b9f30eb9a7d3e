import Type, { type Static } from 'typebox';
import { header, Key, LocalDate, strict, TimeZone } from '../schema-kit.ts';

/** Recurring tickets (planned tasks): cron or RRULE in a time zone, with template values. */
export const ScheduleSchema = Type.Object(
  {
    ...header('schedule'),
    ticketType: Key,
    cron: Type.Optional(Type.String({ pattern: '^\\S+( \\S+){4}$', description: 'five fields: minute hour day month weekday' })),
    rrule: Type.Optional(Type.String({ pattern: '^(RRULE:)?FREQ=(YEARLY|MONTHLY|WEEKLY|DAILY|HOURLY)(;[A-Z]+=[^;]+)*$' })),
    timeZone: TimeZone,
    startDate: Type.Optional(LocalDate),
    endDate: Type.Optional(LocalDate),
    enabled: Type.Optional(Type.Boolean()),
    values: Type.Record(Type.String(), Type.Unknown(), { description: 'Form values of each created ticket' }),
  },
  { ...strict, $id: 'schedule' },
);
export type Schedule = Static<typeof ScheduleSchema>;

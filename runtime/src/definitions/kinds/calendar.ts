import Type, { type Static } from 'typebox';
import { header, I18nText, LocalDate, LocalTime, strict, TimeZone } from '../schema-kit.ts';

const Hours = Type.Array(Type.Object({ from: LocalTime, to: LocalTime }, strict), { maxItems: 6 });
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** Work days, hours and holidays in a time zone; every business-hours time limit uses one. */
export const CalendarSchema = Type.Object(
  {
    ...header('calendar'),
    timeZone: TimeZone,
    week: Type.Object(Object.fromEntries(WEEKDAYS.map((d) => [d, Type.Optional(Hours)])), strict),
    holidays: Type.Optional(Type.Array(Type.Object({ date: LocalDate, name: Type.Optional(I18nText) }, strict))),
    workdays: Type.Optional(
      Type.Array(Type.Object({ date: LocalDate, name: Type.Optional(I18nText), hours: Type.Optional(Hours) }, strict), {
        description: 'Extra working days (调休), e.g. a Saturday worked before a holiday',
      }),
    ),
  },
  { ...strict, $id: 'calendar' },
);
export type Calendar = Static<typeof CalendarSchema>;

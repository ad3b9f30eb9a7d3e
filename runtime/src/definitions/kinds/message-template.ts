import Type, { type Static } from 'typebox';
import { header, I18nText, StringEnum, strict } from '../schema-kit.ts';

export const CHANNELS = ['inApp', 'email', 'sms', 'wechat', 'webhook'] as const;

/** A handlebars message with declared parameters (seed 002: [客户] [年度] [月份] [费用信息]). */
export const MessageTemplateSchema = Type.Object(
  {
    ...header('messageTemplate'),
    channel: StringEnum(CHANNELS),
    subject: Type.Optional(Type.String({ maxLength: 500 })),
    body: Type.String({ minLength: 1, maxLength: 100000 }),
    parameters: Type.Array(
      Type.Object(
        {
          name: Type.String({ pattern: '^[A-Za-z_\\p{L}][\\w\\p{L}]*(\\.[A-Za-z_\\p{L}][\\w\\p{L}]*)*$' }),
          label: I18nText,
          example: Type.Optional(Type.Unknown()),
        },
        strict,
      ),
    ),
    previewData: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { ...strict, $id: 'messageTemplate' },
);
export type MessageTemplate = Static<typeof MessageTemplateSchema>;

import Type, { type Static } from 'typebox';
import { FieldKey, header, Key, StringEnum, strict } from '../schema-kit.ts';
import { DATA_SCOPES } from './ticket-type.ts';

export const RESOURCES = [
  'ticket',
  'record',
  'definition',
  'release',
  'report',
  'user',
  'team',
  'orgUnit',
  'role',
  'audit',
  'plugin',
  'settings',
  'notice',
  'knowledge',
  'sparePart',
  'apiToken',
] as const;
export const ACTIONS = [
  'read',
  'create',
  'update',
  'delete',
  'export',
  'import',
  'publish',
  'assign',
  'claim',
  'approve',
  'print',
  'viewSensitive',
  'manage',
] as const;

/** Roles are definitions so plugins can ship them; users and teams are tenant data. */
export const RoleSchema = Type.Object(
  {
    ...header('role'),
    permissions: Type.Object(Object.fromEntries(RESOURCES.map((r) => [r, Type.Optional(Type.Array(StringEnum(ACTIONS), { uniqueItems: true }))])), strict),
    dataScope: Type.Object(
      {
        default: StringEnum(DATA_SCOPES),
        ticketTypes: Type.Optional(Type.Record(Type.String(), StringEnum(DATA_SCOPES), { description: 'Per ticket type key' })),
      },
      strict,
    ),
    ticketTypes: Type.Optional(Type.Array(Key, { uniqueItems: true, description: 'Ticket types this role may see; absent = all visible to it' })),
    fieldPermissions: Type.Optional(
      Type.Record(Type.String(), Type.Record(FieldKey, StringEnum(['hidden', 'read', 'edit'] as const), { additionalProperties: false }), {
        description: 'Per ticket type key, per field key',
      }),
    ),
    portal: Type.Optional(Type.Boolean({ description: 'A customer/resident role that signs in to the portal' })),
  },
  { ...strict, $id: 'role' },
);
export type Role = Static<typeof RoleSchema>;

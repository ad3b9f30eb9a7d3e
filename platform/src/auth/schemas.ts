import Type, { type TSchema } from 'typebox';

/** HTTP shapes of users, org data and tokens; route handlers and DTOs take their types from these. */
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const DateTime = Type.String({ format: 'date-time' });
export const OrgKey = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$',
  description: 'Stable key (candidate groups say team:<key>, orgUnit:<key>, post:<key>)',
});
export const Uuid = Type.String({ format: 'uuid' });
export const Email = Type.String({ format: 'email', maxLength: 254 });
export const NewPassword = Type.String({ minLength: 10, maxLength: 1024, description: 'At least 10 characters' });
const Keys = (description: string) => Type.Array(Type.String({ minLength: 1, maxLength: 120 }), { uniqueItems: true, maxItems: 200, description });

export const UserSchema = Type.Object({
  id: Uuid,
  email: Type.String(),
  name: Type.String(),
  phone: Nullable(Type.String()),
  status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
  roles: Type.Array(Type.String()),
  teams: Type.Array(Type.String()),
  orgUnits: Type.Array(Type.String()),
  posts: Type.Array(Type.String()),
  managerId: Nullable(Type.String()),
  contactId: Nullable(Type.String()),
  mustChangePassword: Type.Boolean(),
  lockedUntil: Nullable(DateTime),
  createdAt: DateTime,
  updatedAt: DateTime,
});

const userFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  phone: Type.Optional(Nullable(Type.String({ maxLength: 40 }))),
  roles: Type.Optional(Keys('Role definition keys')),
  teams: Type.Optional(Keys('Team keys')),
  orgUnits: Type.Optional(Keys('Org unit keys')),
  posts: Type.Optional(Keys('Post keys')),
  managerId: Type.Optional(Nullable(Uuid)),
  contactId: Type.Optional(Nullable(Uuid)),
};
export const NewUserSchema = Type.Object(
  { email: Email, ...userFields, password: Type.Optional(NewPassword) },
  { additionalProperties: false, description: 'Without a password the user cannot sign in until an admin sets one' },
);
export const UserPatchSchema = Type.Object(
  {
    ...userFields,
    email: Type.Optional(Email),
    name: Type.Optional(userFields.name),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const MeSchema = Type.Object({
  user: Type.Object({ id: Uuid, email: Type.String(), name: Type.String(), mustChangePassword: Type.Boolean() }),
  tenantId: Uuid,
  roles: Type.Array(Type.String()),
  teams: Type.Array(Type.String()),
  orgUnits: Type.Array(Type.String()),
  posts: Type.Array(Type.String()),
  permissions: Type.Array(Type.String(), { description: '"resource:action" grants (after token scoping)' }),
  admin: Type.Boolean(),
  portal: Type.Boolean(),
  contactId: Nullable(Type.String({ description: 'The customer or contact record a portal user is linked to' })),
  via: Type.Union([Type.Literal('session'), Type.Literal('token')]),
  csrfToken: Nullable(Type.String({ description: 'Send as x-csrf-token on POST/PUT/PATCH/DELETE with the session cookie' })),
});

export const TeamSchema = Type.Object({
  key: Type.String(),
  name: Type.String(),
  orgUnit: Nullable(Type.String()),
  members: Type.Array(Type.Object({ userId: Type.String(), lead: Type.Boolean() })),
});
export const OrgUnitSchema = Type.Object({
  key: Type.String(),
  name: Type.String(),
  kind: Nullable(Type.String()),
  parent: Nullable(Type.String()),
  path: Type.Array(Type.String(), { description: 'Keys from the root down to this unit' }),
  children: Type.Array(Type.String()),
});
export const PostSchema = Type.Object({ key: Type.String(), name: Type.String(), orgUnit: Nullable(Type.String()), members: Type.Array(Type.String()) });

export const ApiTokenSchema = Type.Object({
  id: Uuid,
  userId: Uuid,
  name: Type.String(),
  hint: Type.String({ description: 'Last 4 characters of the secret' }),
  scopes: Type.Array(Type.String()),
  expiresAt: Nullable(DateTime),
  lastUsedAt: Nullable(DateTime),
  revokedAt: Nullable(DateTime),
  createdAt: DateTime,
});

export const SystemLogSchema = Type.Object({
  id: Type.String(),
  at: DateTime,
  actorId: Nullable(Type.String()),
  actor: Type.String(),
  action: Type.String(),
  subject: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  details: Type.Record(Type.String(), Type.Unknown()),
});

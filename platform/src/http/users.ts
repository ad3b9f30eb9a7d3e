import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { ManagerDirectory } from '../auth/directory.ts';
import { type AuthDeps, principalOf } from '../auth/plugin.ts';
import { NewPassword, NewUserSchema, UserPatchSchema, UserSchema, Uuid } from '../auth/schemas.ts';
import { createUser, getUser, listUsers, setPassword, updateUser } from '../auth/users-store.ts';
import { ProblemRef } from './schemas.ts';

const errors = { 400: ProblemRef, 401: ProblemRef, 403: ProblemRef, 404: ProblemRef, 409: ProblemRef };
const IdParam = Type.Object({ id: Uuid });

/** Users of the caller's tenant. Role changes also need role:assign; only admins grant admin. */
export const userRoutes: FastifyPluginAsyncTypebox<{ auth: AuthDeps; directory?: ManagerDirectory }> = async (app, { auth, directory }) => {
  const { orm, roles } = auth;
  // The engine's "manager of" reads the directory: refresh it once a change has committed.
  const refreshDirectory = () => directory?.refresh().catch((err) => app.log.error({ err }, 'refreshing the manager directory failed'));

  app.get(
    '/api/users',
    {
      config: { auth: { resource: 'user', action: 'read' } },
      schema: {
        summary: 'Users, by email',
        tags: ['users'],
        querystring: Type.Object(
          {
            search: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Part of the name or email' })),
            status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])),
            role: Type.Optional(Type.String({ maxLength: 120 })),
            team: Type.Optional(Type.String({ maxLength: 64 })),
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
            offset: Type.Integer({ minimum: 0, default: 0 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(UserSchema) }), ...errors },
      },
    },
    async (req) => ({ items: await listUsers(orm.em.fork(), principalOf(req).tenantId, req.query) }),
  );

  app.get(
    '/api/users/:id',
    {
      config: { auth: { resource: 'user', action: 'read' } },
      schema: { summary: 'One user', tags: ['users'], params: IdParam, response: { 200: UserSchema, ...errors } },
    },
    async (req) => getUser(orm.em.fork(), principalOf(req).tenantId, req.params.id),
  );

  app.post(
    '/api/users',
    {
      config: { auth: { resource: 'user', action: 'create' } },
      schema: {
        summary: 'Create a user',
        description: 'Roles must be published role definitions; teams, org units and posts must exist. Granting roles needs role:assign.',
        tags: ['users'],
        body: NewUserSchema,
        response: { 201: UserSchema, ...errors },
      },
    },
    async (req, reply) => {
      const by = principalOf(req);
      const user = await orm.em.fork().transactional((em) => createUser(em, by.tenantId, req.body, by, roles, req.ip));
      if (user.managerId) await refreshDirectory();
      return reply.status(201).send(user);
    },
  );

  app.patch(
    '/api/users/:id',
    {
      config: { auth: { resource: 'user', action: 'update' } },
      schema: {
        summary: 'Change a user: profile, status (disable / enable), roles, teams, org units, posts, manager',
        description:
          'Lists replace the current ones. Disabling ends the user’s sessions and revokes their API tokens. A change that would leave no active admin is refused (409 LAST_ADMIN).',
        tags: ['users'],
        params: IdParam,
        body: UserPatchSchema,
        response: { 200: UserSchema, ...errors },
      },
    },
    async (req) => {
      const by = principalOf(req);
      const user = await orm.em.fork().transactional((em) => updateUser(em, by.tenantId, req.params.id, req.body, by, roles, req.ip));
      if (req.body.managerId !== undefined || req.body.status !== undefined) await refreshDirectory();
      return user;
    },
  );

  app.post(
    '/api/users/:id/password',
    {
      config: { auth: { resource: 'user', action: 'update' } },
      schema: {
        summary: 'Set a user’s password (admin reset)',
        description: 'The user must change it at next sign-in; their sessions end and a lockout is lifted.',
        tags: ['users'],
        params: IdParam,
        body: Type.Object({ password: NewPassword }, { additionalProperties: false }),
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      const by = principalOf(req);
      await orm.em.fork().transactional((em) => setPassword(em, by.tenantId, req.params.id, req.body.password, { reset: true, by, ip: req.ip }));
      return reply.status(204).send(null);
    },
  );
};

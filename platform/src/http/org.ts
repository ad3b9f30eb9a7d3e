import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { EntityManager } from '@mikro-orm/postgresql';
import Type from 'typebox';
import {
  createOrgUnit,
  createPost,
  createTeam,
  deleteOrgUnit,
  deletePost,
  deleteTeam,
  getOrgUnit,
  getPost,
  getTeam,
  listOrgUnits,
  listPosts,
  listTeams,
  setTeamMembers,
  updateOrgUnit,
  updatePost,
  updateTeam,
} from '../auth/org-store.ts';
import { type AuthDeps, principalOf } from '../auth/plugin.ts';
import type { Action, Resource } from '../auth/rules.ts';
import { OrgKey, OrgUnitSchema, PostSchema, TeamSchema, Uuid } from '../auth/schemas.ts';
import { appendSystemLog } from '../auth/system-log.ts';
import { ProblemRef } from './schemas.ts';

const errors = { 400: ProblemRef, 401: ProblemRef, 403: ProblemRef, 404: ProblemRef, 409: ProblemRef };
const KeyParam = Type.Object({ key: OrgKey });
const Name = Type.String({ minLength: 1, maxLength: 200 });
const OptionalKey = Type.Optional(Type.Union([OrgKey, Type.Null()]));
const rule = (resource: Resource, action: Action) => ({ auth: { resource, action } });

/** Teams, org units and posts of the caller's tenant (posts are governed by the orgUnit permissions). */
export const orgRoutes: FastifyPluginAsyncTypebox<{ auth: AuthDeps }> = async (app, { auth }) => {
  const tx = <T>(work: (em: EntityManager) => Promise<T>): Promise<T> => auth.orm.em.fork().transactional(work);
  const em = () => auth.orm.em.fork();

  // ---- teams
  app.get(
    '/api/teams',
    {
      config: rule('team', 'read'),
      schema: { summary: 'Teams with their members', tags: ['org'], response: { 200: Type.Object({ items: Type.Array(TeamSchema) }), ...errors } },
    },
    async (req) => ({ items: await listTeams(em(), principalOf(req).tenantId) }),
  );
  app.get(
    '/api/teams/:key',
    { config: rule('team', 'read'), schema: { summary: 'One team', tags: ['org'], params: KeyParam, response: { 200: TeamSchema, ...errors } } },
    async (req) => getTeam(em(), principalOf(req).tenantId, req.params.key),
  );
  app.post(
    '/api/teams',
    {
      config: rule('team', 'create'),
      schema: {
        summary: 'Create a team',
        tags: ['org'],
        body: Type.Object({ key: OrgKey, name: Name, orgUnit: OptionalKey }, { additionalProperties: false }),
        response: { 201: TeamSchema, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(await tx((e) => createTeam(e, principalOf(req).tenantId, req.body))),
  );
  app.patch(
    '/api/teams/:key',
    {
      config: rule('team', 'update'),
      schema: {
        summary: 'Rename a team or move it to another org unit',
        tags: ['org'],
        params: KeyParam,
        body: Type.Object({ name: Type.Optional(Name), orgUnit: OptionalKey }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: TeamSchema, ...errors },
      },
    },
    async (req) => tx((e) => updateTeam(e, principalOf(req).tenantId, req.params.key, req.body)),
  );
  app.put(
    '/api/teams/:key/members',
    {
      config: rule('team', 'update'),
      schema: {
        summary: 'Replace the members of a team (and who leads it)',
        tags: ['org'],
        params: KeyParam,
        body: Type.Object(
          { members: Type.Array(Type.Object({ userId: Uuid, lead: Type.Optional(Type.Boolean()) }, { additionalProperties: false }), { maxItems: 5000 }) },
          { additionalProperties: false },
        ),
        response: { 200: TeamSchema, ...errors },
      },
    },
    async (req) => {
      const by = principalOf(req);
      return tx(async (e) => {
        const before = await getTeam(e, by.tenantId, req.params.key);
        const after = await setTeamMembers(e, by.tenantId, req.params.key, req.body.members);
        await appendSystemLog(e, by.tenantId, {
          action: 'team.members.changed',
          actorId: by.userId,
          actor: by.email,
          subject: `team:${req.params.key}`,
          ip: req.ip,
          details: { before: before.members, after: after.members },
        });
        return after;
      });
    },
  );
  app.delete(
    '/api/teams/:key',
    {
      config: rule('team', 'delete'),
      schema: { summary: 'Delete a team and its memberships', tags: ['org'], params: KeyParam, response: { 204: Type.Null(), ...errors } },
    },
    async (req, reply) => {
      await tx((e) => deleteTeam(e, principalOf(req).tenantId, req.params.key));
      return reply.status(204).send(null);
    },
  );

  // ---- org units
  app.get(
    '/api/org-units',
    {
      config: rule('orgUnit', 'read'),
      schema: {
        summary: 'The org unit tree, flat: depth-first in path order, each unit with its parent, path and children',
        tags: ['org'],
        querystring: Type.Object({ under: Type.Optional(OrgKey) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(OrgUnitSchema) }), ...errors },
      },
    },
    async (req) => {
      const tenantId = principalOf(req).tenantId;
      if (!req.query.under) return { items: await listOrgUnits(em(), tenantId) };
      const root = await getOrgUnit(em(), tenantId, req.query.under);
      return { items: await listOrgUnits(em(), tenantId, `/${root.path.join('/')}/`) };
    },
  );
  app.get(
    '/api/org-units/:key',
    { config: rule('orgUnit', 'read'), schema: { summary: 'One org unit', tags: ['org'], params: KeyParam, response: { 200: OrgUnitSchema, ...errors } } },
    async (req) => getOrgUnit(em(), principalOf(req).tenantId, req.params.key),
  );
  app.post(
    '/api/org-units',
    {
      config: rule('orgUnit', 'create'),
      schema: {
        summary: 'Create an org unit (e.g. a 管理处, or a building under it)',
        tags: ['org'],
        body: Type.Object(
          { key: OrgKey, name: Name, kind: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])), parent: OptionalKey },
          { additionalProperties: false },
        ),
        response: { 201: OrgUnitSchema, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(await tx((e) => createOrgUnit(e, principalOf(req).tenantId, req.body))),
  );
  app.patch(
    '/api/org-units/:key',
    {
      config: rule('orgUnit', 'update'),
      schema: {
        summary: 'Rename an org unit or move it under another parent (its subtree moves along)',
        tags: ['org'],
        params: KeyParam,
        body: Type.Object(
          { name: Type.Optional(Name), kind: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])), parent: OptionalKey },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: OrgUnitSchema, ...errors },
      },
    },
    async (req) => tx((e) => updateOrgUnit(e, principalOf(req).tenantId, req.params.key, req.body)),
  );
  app.delete(
    '/api/org-units/:key',
    {
      config: rule('orgUnit', 'delete'),
      schema: { summary: 'Delete an org unit without sub-units, teams or posts', tags: ['org'], params: KeyParam, response: { 204: Type.Null(), ...errors } },
    },
    async (req, reply) => {
      await tx((e) => deleteOrgUnit(e, principalOf(req).tenantId, req.params.key));
      return reply.status(204).send(null);
    },
  );

  // ---- posts
  app.get(
    '/api/posts',
    {
      config: rule('orgUnit', 'read'),
      schema: { summary: 'Posts (岗位) with their holders', tags: ['org'], response: { 200: Type.Object({ items: Type.Array(PostSchema) }), ...errors } },
    },
    async (req) => ({ items: await listPosts(em(), principalOf(req).tenantId) }),
  );
  app.get(
    '/api/posts/:key',
    { config: rule('orgUnit', 'read'), schema: { summary: 'One post', tags: ['org'], params: KeyParam, response: { 200: PostSchema, ...errors } } },
    async (req) => getPost(em(), principalOf(req).tenantId, req.params.key),
  );
  app.post(
    '/api/posts',
    {
      config: rule('orgUnit', 'create'),
      schema: {
        summary: 'Create a post',
        tags: ['org'],
        body: Type.Object({ key: OrgKey, name: Name, orgUnit: OptionalKey }, { additionalProperties: false }),
        response: { 201: PostSchema, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(await tx((e) => createPost(e, principalOf(req).tenantId, req.body))),
  );
  app.patch(
    '/api/posts/:key',
    {
      config: rule('orgUnit', 'update'),
      schema: {
        summary: 'Rename a post or move it to another org unit',
        tags: ['org'],
        params: KeyParam,
        body: Type.Object({ name: Type.Optional(Name), orgUnit: OptionalKey }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: PostSchema, ...errors },
      },
    },
    async (req) => tx((e) => updatePost(e, principalOf(req).tenantId, req.params.key, req.body)),
  );
  app.delete(
    '/api/posts/:key',
    {
      config: rule('orgUnit', 'delete'),
      schema: { summary: 'Delete a post and its holders', tags: ['org'], params: KeyParam, response: { 204: Type.Null(), ...errors } },
    },
    async (req, reply) => {
      await tx((e) => deletePost(e, principalOf(req).tenantId, req.params.key));
      return reply.status(204).send(null);
    },
  );
};

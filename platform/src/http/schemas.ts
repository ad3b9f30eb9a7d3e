import { KIND_NAMES, StringEnum } from '@docket/runtime';
import Type from 'typebox';

/** HTTP shapes shared by the definition and release routes. */
export const KindParam = StringEnum(KIND_NAMES, { description: 'Definition kind' });
export const KeyParam = Type.String({ minLength: 1, maxLength: 120, description: 'Definition key (plugin keys carry a namespace: ns:key)' });
/** Dates leave as ISO strings; handlers may return Date objects (the serializer formats them). */
export const DateTime = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
const Nullable = <T extends import('typebox').TSchema>(t: T) => Type.Union([t, Type.Null()]);
export const OriginSchema = Type.Object({
  type: Type.Union([Type.Literal('core'), Type.Literal('plugin'), Type.Literal('admin')]),
  name: Nullable(Type.String()),
  version: Nullable(Type.String()),
});
export const IssueSchema = Type.Object(
  {},
  { additionalProperties: true, description: 'A coded validation issue (code, severity, pointer, message, messages)' },
);
export const DefinitionHead = Type.Object({
  kind: Type.String(),
  key: Type.String(),
  name: Nullable(Type.Record(Type.String(), Type.String())),
  latestVersion: Type.Integer(),
  publishedVersion: Nullable(Type.Integer()),
  draftVersion: Nullable(Type.Integer()),
  origin: OriginSchema,
  updatedAt: DateTime,
});
export const VersionInfo = Type.Object({
  version: Type.Integer(),
  status: Type.Union([Type.Literal('draft'), Type.Literal('published')]),
  contentHash: Type.String(),
  derivedFrom: Nullable(Type.Integer()),
  createdBy: Nullable(Type.String()),
  createdAt: DateTime,
  updatedAt: DateTime,
  publishedAt: Nullable(DateTime),
  origin: OriginSchema,
});
export const SavedDraftSchema = Type.Object({
  kind: Type.String(),
  key: Type.String(),
  version: Type.Integer(),
  status: Type.Union([Type.Literal('draft'), Type.Literal('published')]),
  changed: Type.Boolean({ description: 'False when the document equals the current version (nothing written)' }),
  created: Type.Boolean({ description: 'True when a new version number was assigned (HTTP 201)' }),
  warnings: Type.Array(IssueSchema),
});
export const ReleaseSummary = Type.Object({
  id: Type.String(),
  number: Type.Integer(),
  note: Nullable(Type.String()),
  createdAt: DateTime,
  createdBy: Nullable(Type.String()),
  origin: OriginSchema,
  total: Type.Integer({ description: 'Definitions in the release' }),
  changed: Type.Integer({ description: 'Definitions this release published' }),
});
export const ReleaseItemSchema = Type.Object({
  kind: Type.String(),
  key: Type.String(),
  version: Type.Integer(),
  changed: Type.Boolean(),
  pins: Type.Record(Type.String(), Type.Integer(), { description: '"kind:key" → pinned version of each reference' }),
});
export const ProblemRef = Type.Unsafe({ $ref: 'Problem#' });

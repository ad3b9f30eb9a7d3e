import type { RecordService } from '@docket/runtime/records/records.ts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AuthDeps } from '../auth/plugin.ts';

export interface PortalRouteOptions {
  auth: AuthDeps;
  records: RecordService;
}

/** Placeholder: portal sign-up and owner verification (seed 000) are being built. */
export const portalRoutes: FastifyPluginAsyncTypebox<PortalRouteOptions> = async () => {};

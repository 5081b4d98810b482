/** People API v2: GET /overview, the provisioning overview the console prints as the site's record. */
import type { App } from '../../../app.ts';
import { OverviewService } from '../../../core/overview.ts';
import { requires, type Api } from '../http.ts';
import * as S from '../schemas.ts';
import { Overview } from './schemas.ts';

export function overviewRoutes(api: Api, app: App): void {
  const overview = new OverviewService(app.store, app.core.directories);
  api.get(
    '/overview',
    {
      schema: {
        tags: ['Provisioning overview'],
        summary: 'How accounts are created on this site: ways in use and accounts by origin',
        response: { 200: Overview, default: S.ErrorBody },
      },
      preValidation: requires('people:read_all'),
    },
    () => overview.get(),
  );
}

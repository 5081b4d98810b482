/**
 * People API v2: CSV add/update and export. POST /imports takes the CSV file as the body
 * (text/csv or application/octet-stream) and runs a dry run or an apply; each run leaves a
 * report resource. GET /users/export (alias /exports/users.csv) streams the export.
 */
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { App } from '../../../app.ts';
import { ERROR_TYPES, GatehouseError, fail, type ErrorType } from '../../../core/errors.ts';
import { actorOf, baseUrl, pagination, requires, type Api } from '../http.ts';
import * as S from '../schemas.ts';
import { CsvImports, type ImportReport } from '../../csv/imports.ts';
import { exportPeopleCsv } from '../../csv/export.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);

const Summary = Type.Object({
  rows: Type.Integer(),
  create: Type.Integer(),
  update: Type.Integer(),
  unchanged: Type.Integer(),
  error: Type.Integer(),
});

const Outcome = Type.Object({
  row: Type.Integer({ description: 'Row number as a spreadsheet shows it (the header is row 1).' }),
  username: Type.String(),
  action: Type.Union([
    Type.Literal('create'),
    Type.Literal('update'),
    Type.Literal('unchanged'),
    Type.Literal('error'),
  ]),
  person_id: Nullable(Type.Integer()),
  changes: Type.Optional(
    Type.Record(Type.String(), Type.Array(Type.Unknown(), { minItems: 2, maxItems: 2 }), {
      description: 'By column: [before, after].',
    }),
  ),
  errors: Type.Optional(Type.Array(Type.Object({ column: Type.String(), message: Type.String() }))),
});

const Report = Type.Object(
  {
    id: Type.Integer(),
    status: Type.Union([
      Type.Literal('running'),
      Type.Literal('completed'),
      Type.Literal('failed'),
      Type.Literal('interrupted'),
    ]),
    mode: Type.Union([Type.Literal('dry_run'), Type.Literal('apply')]),
    valid_only: Type.Boolean(),
    applied: Type.Boolean({ description: 'Whether the changes were written.' }),
    file_name: Nullable(Type.String()),
    rows: Type.Integer(),
    created_at: Type.String(),
    finished_at: Nullable(Type.String()),
    created_by: Type.Object({
      id: Nullable(Type.Integer()),
      label: Type.String(),
      gate: Type.String(),
    }),
    progress: Type.Object({
      phase: Nullable(Type.String()),
      done: Type.Integer(),
      total: Type.Integer(),
    }),
    summary: Nullable(Summary),
    error: Nullable(
      Type.Object({
        type: Type.String(),
        message: Type.String(),
        fields: Type.Optional(
          Type.Array(Type.Object({ field: Type.String(), message: Type.String() })),
        ),
      }),
    ),
  },
  { $id: 'ImportReport' },
);

const ReportWithRows = Type.Intersect([
  Report,
  Type.Object({
    outcomes: Type.Object({ data: Type.Array(Outcome), pagination: S.Pagination }),
  }),
]);

const RowsQuery = Type.Object(
  {
    ...S.PageQuery,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    action: Type.Optional(
      Type.Union([
        Type.Literal('create'),
        Type.Literal('update'),
        Type.Literal('unchanged'),
        Type.Literal('error'),
      ]),
    ),
  },
  { additionalProperties: false },
);

const RunQuery = Type.Object(
  {
    mode: Type.Optional(
      Type.Union([Type.Literal('dry_run'), Type.Literal('apply')], {
        default: 'dry_run',
        description: 'dry_run reports what would happen; apply writes it.',
      }),
    ),
    valid_only: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          'Apply the valid rows even if others have errors. By default a file with any error applies nothing.',
      }),
    ),
    file_name: Type.Optional(Type.String({ maxLength: 255 })),
    async: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          'Answer 202 at once and run in the background; poll GET /imports/{id} for progress.',
      }),
    ),
  },
  { additionalProperties: false },
);

export function importRoutes(api: Api, app: App): void {
  const imports = new CsvImports(app.store, app.core);
  const tags = ['CSV import and export'];
  const withRows = async (
    req: FastifyRequest,
    report: ImportReport,
    q: { offset?: number | undefined; limit?: number | undefined; action?: string | undefined },
  ) => {
    const offset = q.offset ?? 0;
    const limit = q.limit ?? 100;
    const rows = await imports.outcomes(report.id, {
      action: q.action as 'create' | 'update' | 'unchanged' | 'error' | undefined,
      offset,
      limit,
    });
    return {
      ...report,
      outcomes: {
        data: rows.data,
        pagination: pagination(req, app.config.publicUrl, offset, limit, rows.total),
      },
    };
  };

  void api.register((child: Api, _opts, done) => {
    // CSV bodies only inside this plugin, with their own (larger) size limit.
    child.addContentTypeParser(
      ['text/csv', 'application/octet-stream', 'text/plain'],
      { parseAs: 'buffer', bodyLimit: app.config.importLimitBytes },
      (_req, body, next) => next(null, body),
    );

    child.post(
      '/imports',
      {
        bodyLimit: app.config.importLimitBytes,
        schema: {
          tags,
          summary: 'Import people from a CSV file (dry run or apply)',
          description:
            "Send the file as the request body with Content-Type text/csv. The format is the export's: see docs/csv.md. Answers the report with its first page of per-row outcomes.",
          querystring: RunQuery,
          response: { 201: ReportWithRows, 202: Report, default: S.ErrorBody },
        },
        preValidation: requires('people:write'),
      },
      async (req, reply) => {
        const body: unknown = req.body;
        if (body !== undefined && body !== null && !Buffer.isBuffer(body))
          fail(
            'unsupported_media_type',
            'Send the CSV file itself as the request body, with Content-Type text/csv.',
          );
        const bytes = (body as Buffer | undefined) ?? Buffer.alloc(0);
        const opts = {
          mode: req.query.mode ?? 'dry_run',
          validOnly: req.query.valid_only ?? false,
          fileName: req.query.file_name ?? null,
        } as const;
        const actor = actorOf(req, 'csv');
        const id = await imports.begin(actor, opts);
        const location = `${baseUrl(req, app.config.publicUrl)}${req.url.split('/imports')[0]}/imports/${id}`;
        void reply.header('location', location);
        if (req.query.async) {
          // Tracked so that a shutdown lets it finish (src/gates/in-flight.ts).
          req.server.inFlight.track(imports.run(id, actor, [bytes], opts)).catch((err: unknown) => {
            req.log.error({ err }, 'import failed');
          });
          return reply.code(202).send(await imports.get(id));
        }
        const report = await imports.run(id, actor, [bytes], opts);
        // A file that cannot be read, or an apply that failed as a whole, is an error answer
        // (the report stays available at the Location).
        if (report.status === 'failed' && report.error) {
          const type = (ERROR_TYPES as string[]).includes(report.error.type)
            ? (report.error.type as ErrorType)
            : 'internal';
          throw new GatehouseError(type, report.error.message, report.error.fields);
        }
        return reply.code(201).send(await withRows(req, report, {}));
      },
    );
    done();
  });

  api.get(
    '/imports',
    {
      schema: {
        tags,
        summary: 'Import runs, newest first',
        querystring: Type.Object(S.PageQuery, { additionalProperties: false }),
        response: { 200: S.page(Report), default: S.ErrorBody },
      },
      preValidation: requires('people:read_all'),
    },
    async (req) => {
      const offset = req.query.offset ?? 0;
      const limit = req.query.limit ?? 20;
      const { data, total } = await imports.list(offset, limit);
      return { data, pagination: pagination(req, app.config.publicUrl, offset, limit, total) };
    },
  );

  api.get(
    '/imports/:id',
    {
      schema: {
        tags,
        summary: 'An import report: status, progress, summary and per-row outcomes',
        params: S.IdParams,
        querystring: RowsQuery,
        response: { 200: ReportWithRows, default: S.ErrorBody },
      },
      preValidation: requires('people:read_all'),
    },
    async (req) => withRows(req, await imports.get(req.params.id), req.query),
  );

  const exportCsv = async (_req: FastifyRequest, reply: FastifyReply) => {
    const defs = await app.core.profileFields.list();
    const stamp = new Date().toISOString().slice(0, 10);
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="people-${stamp}.csv"`)
      .header('cache-control', 'no-store');
    return reply.send(Readable.from(exportPeopleCsv(app.store, defs)));
  };
  for (const path of ['/users/export', '/exports/users.csv'])
    api.get(
      path,
      {
        schema: {
          tags,
          summary: 'Export every person (blocked ones included) as CSV, in the import format',
          produces: ['text/csv'],
          response: {
            200: Type.String({ description: 'CSV, UTF-8 with BOM' }),
            default: S.ErrorBody,
          },
        },
        preValidation: requires('people:read_all'),
      },
      exportCsv,
    );
}

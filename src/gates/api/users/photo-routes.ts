/** Profile photos: multipart upload (field "photo"), served back with their type. */
import { Type } from 'typebox';
import type { App } from '../../../app.ts';
import { fail } from '../../../core/errors.ts';
import { listedInDirectory } from '../../../core/person.ts';
import { actorOf, baseUrl, principalOf, requires, type Api } from '../http.ts';
import { can } from '../../../auth/permissions.ts';
import * as S from '../schemas.ts';
import { userView } from './view.ts';
import type {} from '@fastify/multipart';

const TYPES: Record<string, (b: Buffer) => boolean> = {
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8,
  'image/png': (b) =>
    b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/gif': (b) => b.subarray(0, 3).toString('latin1') === 'GIF',
  'image/webp': (b) =>
    b.subarray(0, 4).toString('latin1') === 'RIFF' &&
    b.subarray(8, 12).toString('latin1') === 'WEBP',
};

export function photoRoutes(api: Api, app: App): void {
  api.post(
    '/users/:id/photo',
    {
      schema: {
        tags: ['Users'],
        summary:
          'Upload a profile photo (multipart/form-data, field "photo": JPEG, PNG, GIF or WebP)',
        params: S.IdParams,
        consumes: ['multipart/form-data'],
        response: { 200: S.User, default: S.ErrorBody },
      },
      preValidation: requires('people:write'),
    },
    async (req) => {
      if (!req.isMultipart())
        fail(
          'unsupported_media_type',
          'Send the photo as multipart/form-data with the field "photo".',
        );
      const file = await req.file({ limits: { fileSize: app.config.photoLimitBytes, files: 1 } });
      if (!file || file.fieldname !== 'photo')
        fail('validation_failed', 'Send the photo in the field "photo".', {
          fields: [{ field: 'photo', message: 'Required.' }],
        });
      const data = await file.toBuffer();
      const type = Object.entries(TYPES).find(([, sniff]) => sniff(data))?.[0];
      if (!type)
        fail('validation_failed', 'The photo must be a JPEG, PNG, GIF or WebP image.', {
          fields: [{ field: 'photo', message: 'Not a JPEG, PNG, GIF or WebP image.' }],
        });
      const p = await app.core.people.setPhoto(actorOf(req), req.params.id, type, data);
      return userView(p, baseUrl(req, app.config.publicUrl), true);
    },
  );

  api.get(
    '/users/:id/photo',
    {
      schema: {
        tags: ['Users'],
        summary: 'The profile photo',
        params: S.IdParams,
        produces: ['image/*'],
        response: { 200: Type.Unknown(), default: S.ErrorBody },
      },
      preValidation: requires('directory:read'),
    },
    async (req, reply) => {
      // As for the record itself: only administrators see blocked accounts.
      const person = await app.core.people.get(req.params.id);
      if (!listedInDirectory(person) && !can(principalOf(req), 'people:read_all'))
        fail('not_found', `No person has id ${req.params.id}.`);
      const photo = await app.core.people.photo(req.params.id);
      if (!photo) fail('not_found', 'This person has no photo.');
      void reply
        .header('content-type', photo.contentType)
        .header('cache-control', 'private, max-age=300')
        .header('x-content-type-options', 'nosniff');
      return reply.send(photo.data);
    },
  );
}

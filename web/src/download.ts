/** Saves a file answer of the API (CSV exports, reports) through the browser's download. */
import { call } from './api/client';

export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export async function downloadResponse(
  pending: Promise<{ data?: unknown; error?: unknown; response: Response }>,
  fallbackName: string,
): Promise<void> {
  let name = fallbackName;
  const data = await call(
    pending.then((r) => {
      const m = /filename="([^"]+)"/.exec(r.response.headers.get('content-disposition') ?? '');
      if (m?.[1]) name = m[1];
      return r;
    }),
  );
  saveBlob(data instanceof Blob ? data : new Blob([String(data)], { type: 'text/csv' }), name);
}

/**
 * Pages of a source with the next page already asked for while the caller works on the
 * current one. A paged LDAP search asks for page k+1 only when page k has been taken, so
 * without this the directory waits while Gatehouse maps and looks up a page, and Gatehouse
 * waits while the directory builds the next: with it, the two overlap.
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let pending = it.next();
  // A read that fails while the caller is busy is thrown at the next step, never unhandled.
  pending.catch(() => undefined);
  let finished = false;
  try {
    for (;;) {
      const step = await pending;
      if (step.done) {
        finished = true;
        return;
      }
      pending = it.next();
      pending.catch(() => undefined);
      yield step.value;
    }
  } finally {
    // Stopped early (the caller broke off or threw): close the source, and with it its
    // connection, once the read in flight has settled.
    if (!finished) {
      await pending.catch(() => undefined);
      await it.return?.()?.catch(() => undefined);
    }
  }
}

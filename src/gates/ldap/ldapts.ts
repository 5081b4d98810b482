/**
 * ldapts, loaded at the first connection to a directory rather than with the App. With it
 * come node:tls, node:net and node:assert, which every start of the CLI paid (about a third
 * of `gatehouse --version`'s module loading, bench/startup.bench.ts) though most commands
 * never talk to a directory. The promise is kept, so later calls only await it.
 */
import type * as Ldapts from 'ldapts';

let loaded: Promise<typeof Ldapts> | null = null;

export const ldapts = (): Promise<typeof Ldapts> => (loaded ??= import('ldapts'));

/**
 * How sign-in checks the password of an account its directory owns: the directory's gate
 * binds as the entry (the password is never stored here). Sign-in only needs the verdict.
 */
export type DirectoryCheck =
  | { ok: true }
  | { ok: false; kind: 'wrong' }
  /** The directory refused a right password: disabled, expired, must change, locked there. */
  | { ok: false; kind: 'refused'; message: string }
  /** The directory could not be asked (down, TLS, the service account refused). */
  | { ok: false; kind: 'unavailable'; message: string };

export interface DirectoryPasswordVerifier {
  verify(directoryId: number, username: string, password: string): Promise<DirectoryCheck>;
}

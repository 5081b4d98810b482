/**
 * A password for the CLI: the first line of stdin when stdin is a pipe or a file (scripts),
 * otherwise asked twice at the terminal without echo. Never from an argument, which would
 * land in the shell history and in `ps`. node:readline is loaded only here, when a password is
 * read: every other command's start does without it (bench/startup.bench.ts).
 */
import { Writable } from 'node:stream';
import { CancelledError, UsageError } from './exit-codes.ts';

export async function readPassword(
  input: NodeJS.ReadStream = process.stdin,
  prompts: NodeJS.WriteStream = process.stderr,
): Promise<string> {
  if (!input.isTTY) {
    const line = await firstLine(input);
    if (line === '')
      throw new UsageError(
        'No password on standard input. Pipe it in (printf \'%s\\n\' "$PASSWORD" | gatehouse admin create --username U) or run the command at a terminal to be asked.',
      );
    return line;
  }
  const first = await askHidden(input, prompts, 'Password: ');
  if (first === '') throw new UsageError('The password is empty. Nothing was created.');
  const second = await askHidden(input, prompts, 'Repeat the password: ');
  if (first !== second) throw new UsageError('The two passwords differ. Nothing was created.');
  return first;
}

/** The first line (without its line ending); the rest of the input is not read. */
async function firstLine(input: NodeJS.ReadableStream): Promise<string> {
  const { default: readline } = await import('node:readline');
  const rl = readline.createInterface({ input, crlfDelay: Infinity, terminal: false });
  try {
    for await (const line of rl) return line;
    return '';
  } finally {
    rl.close();
  }
}

async function askHidden(
  input: NodeJS.ReadStream,
  prompts: NodeJS.WriteStream,
  prompt: string,
): Promise<string> {
  const { default: readline } = await import('node:readline');
  // readline echoes what is typed to its output: give it one that swallows everything.
  const silent = new Writable({ write: (_chunk, _enc, done) => done() });
  const rl = readline.createInterface({ input, output: silent, terminal: true });
  prompts.write(prompt);
  return new Promise<string>((resolve, reject) => {
    rl.on('SIGINT', () => {
      rl.close();
      prompts.write('\n');
      reject(new CancelledError('Cancelled. Nothing was created.'));
    });
    rl.question('', (answer) => {
      rl.close();
      prompts.write('\n');
      resolve(answer);
    });
  });
}

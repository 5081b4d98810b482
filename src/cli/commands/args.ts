/** Parsers for option values; a bad value is a usage error that names the option. */
import { InvalidArgumentError } from 'commander';

export function intArg(min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value.trim()))
      throw new InvalidArgumentError(`Must be a whole number, not "${value}".`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`Must be between ${min} and ${max}.`);
    return n;
  };
}

import type { LoggerService } from '@nestjs/common';
import { inspect } from 'node:util';

/** Keeps every line Nest and the library log, at every level (debug and verbose included), as text. */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];

  /** The lines logged at one level, without the level. */
  at(level: 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal'): string[] {
    return this.lines.filter((line) => line.startsWith(`${level} `)).map((line) => line.slice(level.length + 1));
  }

  private push(level: string, message: unknown, rest: unknown[]): void {
    const text = [message, ...rest].map((part) =>
      typeof part === 'string' ? part : inspect(part, { depth: 10, showHidden: true }),
    );
    this.lines.push(`${level} ${text.join(' ')}`);
  }
  log(message: unknown, ...rest: unknown[]): void {
    this.push('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.push('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.push('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.push('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.push('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.push('fatal', message, rest);
  }
}

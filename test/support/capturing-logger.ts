import type { LoggerService } from '@nestjs/common';
import { inspect } from 'node:util';

/** Keeps every line Nest and the library log, at every level (debug and verbose included), as text. */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];

  /** The lines logged at one level, without the level. */
  at(level: 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal'): string[] {
    return this.lines.filter((line) => line.startsWith(`${level} `)).map((line) => line.slice(level.length + 1));
  }

  readonly log = this.writer('log');
  readonly error = this.writer('error');
  readonly warn = this.writer('warn');
  readonly debug = this.writer('debug');
  readonly verbose = this.writer('verbose');
  readonly fatal = this.writer('fatal');

  /** The method for one level: keeps the message and every argument after it, objects inspected in full. */
  private writer(level: string): (message: unknown, ...rest: unknown[]) => void {
    return (message, ...rest) => {
      const text = [message, ...rest].map((part) =>
        typeof part === 'string' ? part : inspect(part, { depth: 10, showHidden: true }),
      );
      this.lines.push(`${level} ${text.join(' ')}`);
    };
  }
}

import { PayloadTooLargeException } from '@nestjs/common';

/** 413: saving would make the session larger than `maxSessionBytes`. Nothing was written. */
export class SessionTooLargeException extends PayloadTooLargeException {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`Session data would be ${size} bytes, over the ${limit}-byte limit; nothing was saved`);
  }
}

import { ConflictException } from '@nestjs/common';

/** 409 from `login()` under `onSessionLimit: 'reject'`: the user already has `maxSessionsPerUser` sessions. */
export class TooManySessionsException extends ConflictException {
  constructor(readonly limit: number) {
    super(`Already signed in on ${limit} device(s), the most allowed: sign out of one first`);
  }
}

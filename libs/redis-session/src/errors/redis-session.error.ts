/** Base class of every error this library throws outside the HTTP layer (bootstrap, store, serialization). */
export class RedisSessionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

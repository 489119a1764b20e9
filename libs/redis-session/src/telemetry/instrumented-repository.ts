import type { SessionRepository } from '../store/session.repository.js';
import type { TelemetrySpan } from './opentelemetry-api.js';
import type { SessionInstruments, StoreOperation } from './session-instruments.js';

type Method = (...args: never[]) => Promise<unknown>;

/** What each operation records beyond its span, from its arguments and result. */
type Recorder = (
  instruments: SessionInstruments,
  args: readonly unknown[],
  result: unknown,
  span: TelemetrySpan,
) => void;

const RECORDERS: Readonly<Record<StoreOperation, Recorder | undefined>> = {
  load: (instruments, _args, result, span) =>
    instruments.recordLoad(result as Awaited<ReturnType<SessionRepository['load']>>, span),
  create: (instruments, [, record], result, span) =>
    instruments.recordSave(
      'create',
      (record as Parameters<SessionRepository['create']>[1]).fields,
      result !== undefined,
      span,
    ),
  update: (instruments, [, changes], result, span) =>
    instruments.recordSave(
      'update',
      (changes as Parameters<SessionRepository['update']>[1]).set,
      (result as Awaited<ReturnType<SessionRepository['update']>>).written,
      span,
    ),
  delete: undefined,
  end: undefined,
  retire: undefined,
  deleteOwned: undefined,
  readMetadata: (_instruments, [publicIds], _result, span) => {
    if (span.isRecording()) span.setAttribute('session.count', (publicIds as readonly string[]).length);
  },
  indexAdd: (_instruments, _args, result, span) => {
    if (!span.isRecording()) return;
    const added = result as Awaited<ReturnType<SessionRepository['indexAdd']>>;
    span.setAttribute('session.added', added.added);
    if (added.added) span.setAttribute('session.evicted', added.evicted.length);
  },
  indexRemove: undefined,
  indexTake: undefined,
  indexMembers: undefined,
  indexHas: undefined,
};

/**
 * The repository, with a span and metrics around each store operation. A `Proxy`, not a subclass: it is
 * still an instance of the store's own class (`instanceof RedisSessionRepository` holds, the store's own
 * methods stay reachable), and the shared methods it inherits (`listForUser`, `revoke`, ...) run with the
 * proxy as `this`, so the store operations they make are recorded too. Nothing in the store changes.
 */
export function instrumentRepository<T extends SessionRepository>(repository: T, instruments: SessionInstruments): T {
  const wrappers = new Map<PropertyKey, Method>();
  for (const operation of Object.keys(RECORDERS) as StoreOperation[]) {
    const recorder = RECORDERS[operation];
    const wrapper = (...args: unknown[]): Promise<unknown> =>
      instruments.traced(
        operation,
        // Looked up per call, so a method replaced on the instance later (a test spy) is the one that runs.
        () => (repository[operation] as (...args: unknown[]) => Promise<unknown>).apply(repository, args),
        recorder && ((result, span) => recorder(instruments, args, result, span)),
      );
    wrappers.set(operation, wrapper);
  }
  return new Proxy(repository, {
    get: (target, property, receiver) => wrappers.get(property) ?? Reflect.get(target, property, receiver),
  });
}

import type { SessionStore } from '../store/session-store.js';
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
    instruments.recordLoad(result as Awaited<ReturnType<SessionStore['load']>>, span),
  touch: (instruments, _args, result, span) =>
    instruments.recordTouch(result as Awaited<ReturnType<SessionStore['touch']>>, span),
  create: (instruments, [, record], result, span) =>
    instruments.recordSave(
      'create',
      (record as Parameters<SessionStore['create']>[1]).fields,
      result !== undefined,
      span,
    ),
  createSignedIn: (instruments, [, record], result, span) => {
    const creation = result as Awaited<ReturnType<SessionStore['createSignedIn']>>;
    const written = creation.created && creation.indexed.added;
    instruments.recordSave('create', (record as Parameters<SessionStore['createSignedIn']>[1]).fields, written, span);
    if (creation.created && span.isRecording()) span.setAttribute('session.added', creation.indexed.added);
  },
  update: (instruments, [, changes], result, span) =>
    instruments.recordSave(
      'update',
      (changes as Parameters<SessionStore['update']>[1]).set,
      (result as Awaited<ReturnType<SessionStore['update']>>).written,
      span,
    ),
  delete: undefined,
  end: undefined,
  retire: undefined,
  restore: undefined,
  deleteOwned: undefined,
  readMetadata: (_instruments, [publicIds], _result, span) => {
    if (span.isRecording()) span.setAttribute('session.count', (publicIds as readonly string[]).length);
  },
  indexAdd: (_instruments, _args, result, span) => {
    if (!span.isRecording()) return;
    const added = result as Awaited<ReturnType<SessionStore['indexAdd']>>;
    span.setAttribute('session.added', added.added);
    if (added.added) span.setAttribute('session.evicted', added.evicted.length);
  },
  indexRemove: undefined,
  indexTake: undefined,
  indexMembers: undefined,
  indexHas: undefined,
};

/**
 * The store, with a span and metrics around each operation. A `Proxy`, not a subclass: it is still an
 * instance of the store's own class (`instanceof RedisSessionStore` holds, the store's own methods stay
 * reachable). Nothing in the store changes.
 */
export function instrumentStore<T extends SessionStore>(store: T, instruments: SessionInstruments): T {
  const wrappers = new Map<PropertyKey, Method>();
  for (const operation of Object.keys(RECORDERS) as StoreOperation[]) {
    const recorder = RECORDERS[operation];
    const wrapper = (...args: unknown[]): Promise<unknown> =>
      instruments.traced(
        operation,
        // Looked up per call, so a method replaced on the instance later (a test spy) is the one that runs.
        () => (store[operation] as (...args: unknown[]) => Promise<unknown>).apply(store, args),
        recorder && ((result, span) => recorder(instruments, args, result, span)),
      );
    wrappers.set(operation, wrapper);
  }
  return new Proxy(store, {
    get: (target, property, receiver) => wrappers.get(property) ?? Reflect.get(target, property, receiver),
  });
}

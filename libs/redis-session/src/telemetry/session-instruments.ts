import { readFileSync } from 'node:fs';
import type { SessionStoreKind } from '../options/redis-session-options.interface.js';
import type { LoadResult, TouchResult } from '../store/session-record.js';
import type {
  OpenTelemetryApi,
  TelemetryAttributes,
  TelemetryCounter,
  TelemetryHistogram,
  TelemetrySpan,
  TelemetryTracer,
} from './opentelemetry-api.js';
import { TELEMETRY_SCOPE } from './telemetry.constants.js';

/** The `SessionStore` operations that get a span. */
export type StoreOperation =
  | 'load'
  | 'touch'
  | 'create'
  | 'createSignedIn'
  | 'update'
  | 'delete'
  | 'end'
  | 'retire'
  | 'restore'
  | 'deleteOwned'
  | 'readMetadata'
  | 'indexAdd'
  | 'indexRemove'
  | 'indexTake'
  | 'indexMembers'
  | 'indexHas';

const SPAN_NAMES: Readonly<Record<StoreOperation, string>> = {
  load: 'session.load',
  touch: 'session.touch',
  create: 'session.create',
  createSignedIn: 'session.create_signed_in',
  update: 'session.update',
  delete: 'session.delete',
  end: 'session.end',
  retire: 'session.retire',
  restore: 'session.restore',
  deleteOwned: 'session.delete_owned',
  readMetadata: 'session.read_metadata',
  indexAdd: 'session.index_add',
  indexRemove: 'session.index_remove',
  indexTake: 'session.index_take',
  indexMembers: 'session.index_members',
  indexHas: 'session.index_has',
};

/** What a load found, as the `result` attribute of `session.loads`. */
type LoadOutcome = 'found' | 'unknown' | 'expired' | 'malformed' | 'forwarded';

/**
 * Attribute sets are built once and shared: a metric call then allocates nothing, and with no SDK
 * installed every call is a no-op on a frozen object.
 */
function attributeSets<K extends string>(name: string, values: readonly K[]): Readonly<Record<K, TelemetryAttributes>> {
  const sets = {} as Record<K, TelemetryAttributes>;
  for (const value of values) sets[value] = Object.freeze({ [name]: value });
  return sets;
}

const OPERATIONS = Object.keys(SPAN_NAMES) as StoreOperation[];
const LOAD_OUTCOMES = attributeSets<LoadOutcome>('result', ['found', 'unknown', 'expired', 'malformed', 'forwarded']);
const OPERATION_ATTRIBUTES = attributeSets('operation', OPERATIONS);
const TOUCHED = Object.freeze({ touched: true });
const NOT_TOUCHED = Object.freeze({ touched: false });
const SAVES = {
  create: {
    written: Object.freeze({ operation: 'create', written: true }),
    refused: Object.freeze({ operation: 'create', written: false }),
  },
  update: {
    written: Object.freeze({ operation: 'update', written: true }),
    refused: Object.freeze({ operation: 'update', written: false }),
  },
} as const;

/** The library's version, for the instrumentation scope; `undefined` if the manifest cannot be read. */
function libraryVersion(): string | undefined {
  try {
    // Two levels up from src/telemetry and from dist/telemetry alike: the package's own manifest.
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      name?: unknown;
      version?: unknown;
    };
    return manifest.name === TELEMETRY_SCOPE && typeof manifest.version === 'string' ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The tracer, the meter's instruments and how each store operation is recorded. Built once at bootstrap
 * when `@opentelemetry/api` is installed; without an SDK, every call lands on the API's no-op objects.
 */
export class SessionInstruments {
  private readonly tracer: TelemetryTracer;
  /** Every span's options: the same frozen object each time. */
  private readonly spanOptions: { readonly attributes: TelemetryAttributes };
  private readonly loads: TelemetryCounter;
  private readonly saves: TelemetryCounter;
  private readonly touches: TelemetryCounter;
  private readonly bytesWritten: TelemetryHistogram;
  private readonly storeUnavailable: TelemetryCounter;
  private readonly rejected: TelemetryCounter;
  private readonly rejectionReasons = new Map<string, TelemetryAttributes>();

  constructor(
    private readonly api: OpenTelemetryApi,
    store: SessionStoreKind,
  ) {
    const version = libraryVersion();
    this.tracer = api.trace.getTracer(TELEMETRY_SCOPE, version);
    this.spanOptions = Object.freeze({ attributes: Object.freeze({ 'session.store': store }) });
    const meter = api.metrics.getMeter(TELEMETRY_SCOPE, version);
    this.loads = meter.createCounter('session.loads', {
      description: 'Session loads, by what they found (result: found, unknown, expired, malformed, forwarded)',
      unit: '{load}',
    });
    this.saves = meter.createCounter('session.saves', {
      description: 'Session writes (operation: create or update; written: false when the record was gone or taken)',
      unit: '{save}',
    });
    this.touches = meter.createCounter('session.touches', {
      description:
        'Idle-timer refreshes (every touchAfter), by whether they happened (touched: false: refused or gone)',
      unit: '{touch}',
    });
    this.bytesWritten = meter.createHistogram('session.bytes_written', {
      description: 'Serialized bytes (data keys and JSON values) per session create or update',
      unit: 'By',
    });
    this.storeUnavailable = meter.createCounter('session.store_unavailable', {
      description: 'Store operations that failed or timed out (a request that makes one gets a 503)',
      unit: '{operation}',
    });
    this.rejected = meter.createCounter('session.rejected', {
      description: 'Session cookies that gave no session, by reason',
      unit: '{cookie}',
    });
  }

  /**
   * Runs one store operation in a span named `session.<operation>`, and records its outcome. The span
   * becomes the active one only when an SDK records it, so Redis client instrumentation nests under it;
   * otherwise the call runs as is.
   */
  async traced<T>(
    operation: StoreOperation,
    call: () => Promise<T>,
    record?: (result: T, span: TelemetrySpan) => void,
  ): Promise<T> {
    const span = this.tracer.startSpan(SPAN_NAMES[operation], this.spanOptions);
    try {
      const { context, trace } = this.api;
      const result = await (span.isRecording() ? context.with(trace.setSpan(context.active(), span), call) : call());
      record?.(result, span);
      return result;
    } catch (error) {
      this.storeUnavailable.add(1, OPERATION_ATTRIBUTES[operation]);
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({
        code: this.api.SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : undefined,
      });
      throw error;
    } finally {
      span.end();
    }
  }

  /** `session.loads`, by what the load found. */
  recordLoad(result: LoadResult, span: TelemetrySpan): void {
    const outcome: LoadOutcome = result.record ? 'found' : result.forward ? 'forwarded' : result.missing;
    this.loads.add(1, LOAD_OUTCOMES[outcome]);
    if (span.isRecording()) span.setAttribute('session.result', outcome);
  }

  /** `session.touches`, by whether the idle-timer refresh happened (`false`: refused by Redis, or gone). */
  recordTouch(result: TouchResult, span: TelemetrySpan): void {
    this.touches.add(1, result.touched ? TOUCHED : NOT_TOUCHED);
    if (span.isRecording()) span.setAttribute('session.touched', result.touched);
  }

  /** `session.saves`, and `session.bytes_written` for a write that happened. */
  recordSave(
    operation: 'create' | 'update',
    fields: ReadonlyMap<string, string>,
    written: boolean,
    span: TelemetrySpan,
  ): void {
    this.saves.add(1, written ? SAVES[operation].written : SAVES[operation].refused);
    if (!written) {
      if (span.isRecording()) span.setAttribute('session.written', false);
      return;
    }
    let bytes = 0;
    for (const [key, json] of fields) bytes += Buffer.byteLength(key) + Buffer.byteLength(json);
    this.bytesWritten.record(bytes, OPERATION_ATTRIBUTES[operation]);
    if (span.isRecording()) {
      span.setAttribute('session.written', true);
      span.setAttribute('session.bytes', bytes);
    }
  }

  /** `session.rejected`, from the `rejected` events. */
  recordRejected(reason: string | undefined): void {
    const key = reason ?? 'unknown';
    let attributes = this.rejectionReasons.get(key);
    if (attributes === undefined) {
      attributes = Object.freeze({ reason: key });
      this.rejectionReasons.set(key, attributes);
    }
    this.rejected.add(1, attributes);
  }
}

/**
 * The part of `@opentelemetry/api` the module uses, declared here so that nothing the library exports
 * names the package: it is an optional peer dependency, loaded at bootstrap only if installed.
 * `loadOpenTelemetryApi` checks that the real package fits these shapes.
 */

/** An OpenTelemetry context (opaque). */
export interface TelemetryContext {
  getValue(key: symbol): unknown;
  setValue(key: symbol, value: unknown): TelemetryContext;
  deleteValue(key: symbol): TelemetryContext;
}

/** Attribute values of spans and metrics. */
export type TelemetryAttributes = Readonly<Record<string, string | number | boolean>>;

/** A span, as the module uses it. */
export interface TelemetrySpan {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException(exception: Error | string): void;
  isRecording(): boolean;
  end(): void;
}

/** A tracer. */
export interface TelemetryTracer {
  startSpan(name: string, options?: { attributes?: TelemetryAttributes }): TelemetrySpan;
}

/** A counter (`add`) or a histogram (`record`). */
export interface TelemetryCounter {
  add(value: number, attributes?: TelemetryAttributes): void;
}
export interface TelemetryHistogram {
  record(value: number, attributes?: TelemetryAttributes): void;
}

/** Options of a metric instrument. */
export interface TelemetryInstrumentOptions {
  description?: string;
  unit?: string;
}

/** A meter. */
export interface TelemetryMeter {
  createCounter(name: string, options?: TelemetryInstrumentOptions): TelemetryCounter;
  createHistogram(name: string, options?: TelemetryInstrumentOptions): TelemetryHistogram;
}

/** The module's view of `@opentelemetry/api`. */
export interface OpenTelemetryApi {
  readonly trace: {
    getTracer(name: string, version?: string): TelemetryTracer;
    setSpan(context: TelemetryContext, span: TelemetrySpan): TelemetryContext;
  };
  readonly metrics: {
    getMeter(name: string, version?: string): TelemetryMeter;
  };
  readonly context: {
    active(): TelemetryContext;
    with<F extends () => ReturnType<F>>(context: TelemetryContext, fn: F): ReturnType<F>;
  };
  readonly SpanStatusCode: { readonly ERROR: number };
}

/** Loads `@opentelemetry/api`; rejects when it is not installed. */
export type OpenTelemetryApiLoader = () => Promise<OpenTelemetryApi>;

/**
 * The default loader: a dynamic `import()`, so the module has no static dependency on the package and
 * runs without it. The API is a no-op until the app installs and starts an OpenTelemetry SDK.
 */
export const loadOpenTelemetryApi: OpenTelemetryApiLoader = async () => {
  const api = await import('@opentelemetry/api');
  // A CommonJS package: Node names its exports, some bundlers only give `default`.
  const resolved: OpenTelemetryApi = 'trace' in api ? api : (api as { default: typeof api }).default;
  return resolved;
};

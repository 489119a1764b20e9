// See require-esm.transform.mjs: the ES modules a CommonJS package of the sample require()s, loaded the
// ES way once per test file, in that file's own module registry. A setup file, not an import at the top of
// the test files that need it: Jest runs a CommonJS dependency when it links the test file, before any
// of the file's own imports has run.
(globalThis as Record<symbol, unknown>)[Symbol.for('nrs.jest.esm')] = {
  '@nestjs/common': await import('@nestjs/common'),
  '@nestjs/core': await import('@nestjs/core'),
};

export {};

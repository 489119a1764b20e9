// A Jest transform for the one CommonJS package of the sample that loads Nest 12's ES modules with
// require(): @nestjs/throttler. Node 20.19+ runs that natively (require of an ES module), so the app does;
// Jest's module system on Node before 24.9 cannot, and fails with "Must use import to load ES Module".
// Here its require("@nestjs/common") and require("@nestjs/core") return the very modules the test file
// imported (put on globalThis by esm-for-require.setup.ts), so the throttler's decorators, guard and
// exception are the real ones, sharing Nest's classes with the app.
const NEST_ESM = /require\("(@nestjs\/(?:common|core))"\)/g;

export default {
  process(source) {
    return { code: source.replace(NEST_ESM, 'globalThis[Symbol.for("nrs.jest.esm")]["$1"]') };
  },
};

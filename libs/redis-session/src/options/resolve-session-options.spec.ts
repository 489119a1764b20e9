import { inspect } from 'node:util';
import { SessionConfigurationError } from '../errors/session-configuration.error.js';
import type { RedisSessionModuleOptions } from './redis-session-options.interface.js';
import { resolveSessionOptions } from './resolve-session-options.js';

const SECRET = 'x'.repeat(32);
const ANOTHER_SECRET = 'another-secret-that-is-long-enough-for-us';

/** Valid options with some fields replaced or added, typed loosely to let tests pass bad values. */
function withOptions(overrides: Record<string, unknown>): RedisSessionModuleOptions {
  return { secrets: [SECRET], ...overrides };
}

function withCookie(cookie: Record<string, unknown>): RedisSessionModuleOptions {
  return withOptions({ cookie });
}

/** The problems a configuration is rejected with; fails the test if it is accepted. */
function problemsOf(raw: unknown): readonly string[] {
  try {
    resolveSessionOptions(raw as RedisSessionModuleOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(SessionConfigurationError);
    const { problems, message } = error as SessionConfigurationError;
    expect(problems.length).toBeGreaterThan(0);
    expect(message).toBe(
      problems.length === 1
        ? `Invalid RedisSessionModule options: ${problems[0]}`
        : `Invalid RedisSessionModule options:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    for (const problem of problems) expect(problem).not.toMatch(/[\r\n]/);
    return problems;
  }
  throw new Error('resolveSessionOptions accepted the options');
}

describe('resolveSessionOptions', () => {
  describe('defaults', () => {
    it('applies every default exactly', () => {
      expect(resolveSessionOptions({ secrets: [SECRET] })).toStrictEqual({
        redis: 'redis://127.0.0.1:6379',
        store: 'redis',
        secrets: [SECRET],
        idleTimeout: 30 * 60_000,
        anonymousIdleTimeout: 5 * 60_000,
        absoluteTimeout: 12 * 60 * 60_000,
        touchAfter: 3 * 60_000,
        anonymousTouchAfter: 30_000,
        keyPrefix: 'sess:',
        cookie: {
          secureName: '__Host-sid',
          plainName: 'sid',
          httpOnly: true,
          secure: 'auto',
          sameSite: 'lax',
          path: '/',
          domain: undefined,
          maxAge: undefined,
        },
        trustProxy: false,
        maxSessionBytes: 65_536,
        commandTimeout: 1_000,
        globalInterceptor: false,
        maxSessionsPerUser: 0,
        onSessionLimit: 'evict-oldest',
        rotationGracePeriod: 5_000,
        keyspaceEvents: false,
        socketCheckInterval: 60_000,
        waitForReplicas: false,
        device: { userAgent: true, ip: true },
      });
    });

    it('defaults anonymousIdleTimeout to five minutes, or idleTimeout when that is shorter', () => {
      expect(resolveSessionOptions(withOptions({ idleTimeout: 60_000 })).anonymousIdleTimeout).toBe(60_000);
      expect(resolveSessionOptions(withOptions({ idleTimeout: 3_600_000 })).anonymousIdleTimeout).toBe(300_000);
      expect(resolveSessionOptions(withOptions({ anonymousIdleTimeout: 10_000 })).anonymousIdleTimeout).toBe(10_000);
    });

    it('refreshes anonymous sessions at the same fraction of their idle timeout', () => {
      const resolved = resolveSessionOptions(
        withOptions({ idleTimeout: 100_000, touchAfter: 20_000, anonymousIdleTimeout: 10_000 }),
      );
      expect(resolved.anonymousTouchAfter).toBe(2_000);
    });

    it('takes a number of trusted proxies for trustProxy', () => {
      expect(resolveSessionOptions(withOptions({ trustProxy: 2 })).trustProxy).toBe(2);
    });

    it('defaults touchAfter to a tenth of idleTimeout, rounded down', () => {
      expect(resolveSessionOptions(withOptions({ idleTimeout: 60_009 })).touchAfter).toBe(6_000);
      expect(resolveSessionOptions(withOptions({ idleTimeout: 1_000 })).touchAfter).toBe(100);
    });

    it('keeps every option that is given', () => {
      const resolved = resolveSessionOptions({
        store: 'memory',
        secrets: [SECRET, ANOTHER_SECRET],
        idleTimeout: 10_000,
        absoluteTimeout: 20_000,
        touchAfter: 0,
        keyPrefix: 'app:s:',
        cookie: { name: 'app_sid', httpOnly: false, secure: true, sameSite: 'strict', path: '/app', maxAge: 5_000 },
        trustProxy: true,
        maxSessionBytes: 2_048,
        commandTimeout: 50,
        globalInterceptor: false,
      });
      expect(resolved).toMatchObject({
        store: 'memory',
        secrets: [SECRET, ANOTHER_SECRET],
        idleTimeout: 10_000,
        absoluteTimeout: 20_000,
        touchAfter: 0,
        keyPrefix: 'app:s:',
        cookie: {
          secureName: 'app_sid',
          plainName: 'app_sid',
          httpOnly: false,
          secure: true,
          sameSite: 'strict',
          path: '/app',
          maxAge: 5_000,
        },
        trustProxy: true,
        maxSessionBytes: 2_048,
        commandTimeout: 50,
        globalInterceptor: false,
      });
    });

    it('S10: names the secure cookie __Secure-sid when a domain is set (__Host- forbids Domain)', () => {
      const { cookie } = resolveSessionOptions(withCookie({ domain: 'example.com' }));
      expect(cookie.secureName).toBe('__Secure-sid');
      expect(cookie.plainName).toBe('sid');
      expect(cookie.domain).toBe('example.com');
    });

    it('S10: names the secure cookie __Secure-sid when the path is not / (__Host- requires Path=/)', () => {
      const { cookie } = resolveSessionOptions(withCookie({ path: '/app' }));
      expect(cookie.secureName).toBe('__Secure-sid');
      expect(cookie.plainName).toBe('sid');
    });

    it('S10: keeps __Host-sid when the path is given as /', () => {
      expect(resolveSessionOptions(withCookie({ path: '/' })).cookie.secureName).toBe('__Host-sid');
    });

    it('returns frozen options that do not follow later changes to the input', () => {
      const secrets = [SECRET];
      const resolved = resolveSessionOptions({ secrets });
      secrets.push('y'.repeat(40));
      expect(resolved.secrets).toEqual([SECRET]);
      expect(Object.isFrozen(resolved)).toBe(true);
      expect(Object.isFrozen(resolved.secrets)).toBe(true);
      expect(Object.isFrozen(resolved.cookie)).toBe(true);
    });

    it('accepts a valid __Host- configuration and a secure SameSite=None', () => {
      expect(() => resolveSessionOptions(withCookie({ name: '__Host-app', secure: true, path: '/' }))).not.toThrow();
      expect(() => resolveSessionOptions(withCookie({ sameSite: 'none', secure: true }))).not.toThrow();
      expect(() =>
        resolveSessionOptions(withCookie({ name: '__Secure-app', secure: true, domain: 'a.example' })),
      ).not.toThrow();
    });

    it.each([
      [{}, { userAgent: true, ip: true }],
      [{ userAgent: 'full' }, { userAgent: 'full', ip: true }],
      [
        { userAgent: false, ip: false },
        { userAgent: false, ip: false },
      ],
      [
        { userAgent: undefined, ip: undefined },
        { userAgent: true, ip: true },
      ],
    ])('records device facts as asked: device %j', (device, resolved) => {
      expect(resolveSessionOptions(withOptions({ device })).device).toStrictEqual(resolved);
    });
  });

  describe('problems', () => {
    it('reports options that are not an object', () => {
      expect(problemsOf(undefined)).toEqual(['options: got undefined, needs an object with at least { secrets }']);
      expect(problemsOf(null)).toEqual(['options: got null, needs an object with at least { secrets }']);
    });

    it('S9: reports missing secrets, naming the option and what it needs', () => {
      const problems = problemsOf({});
      expect(problems).toContain('secrets: got undefined, needs an array of secrets, each at least 32 characters');
      for (const problem of problems) expect(problem).toMatch(/^secrets: got undefined, needs /);
    });

    it('S9: reports an empty array of secrets', () => {
      expect(problemsOf({ secrets: [] })).toEqual(['secrets: got an array of 0, needs at least one secret']);
    });

    it('S9: reports a secret shorter than 32 characters by its position, without quoting it', () => {
      const short = 'my-short-secret-31-characters-x';
      expect(short).toHaveLength(31);
      for (const [secrets, index] of [
        [[short], 0],
        [[SECRET, short], 1],
        [[short, SECRET], 0],
      ] as const) {
        const problems = problemsOf({ secrets });
        expect(problems).toEqual([
          `secrets[${index}]: got a string of 31 characters, needs a string of at least 32 characters (use 32+ random bytes)`,
        ]);
        expect(problems.join('\n')).not.toContain(short);
        expect(problems.join('\n')).not.toContain(short.slice(0, 8));
      }
    });

    it('S9: says a secret that is undefined probably comes from an environment variable that is not set', () => {
      expect(problemsOf({ secrets: [undefined] })).toEqual([
        'secrets[0]: got undefined, needs a string of at least 32 characters (probably an environment variable that is not set)',
      ]);
      expect(problemsOf({ secrets: [SECRET, ''] })).toEqual([
        'secrets[1]: got an empty string, needs a string of at least 32 characters (an environment variable set to nothing?)',
      ]);
    });

    it('says what the quick start without SESSION_SECRET did wrong in one line, printing nothing twice', () => {
      let error: unknown;
      try {
        resolveSessionOptions({ secrets: [process.env.NRS_VARIABLE_THAT_IS_NEVER_SET!] });
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(SessionConfigurationError);
      const { message } = error as Error;
      expect(message).toBe(
        'Invalid RedisSessionModule options: secrets[0]: got undefined, needs a string of at least 32 characters ' +
          '(probably an environment variable that is not set)',
      );
      // What Node prints for an uncaught error, and Nest's logger for a failed bootstrap: the message and the
      // stack, without the problems listed again.
      expect(inspect(error)).not.toContain('problems');
      expect((error as SessionConfigurationError).problems).toHaveLength(1);
    });

    it('S9: reports secrets given as one string without quoting it', () => {
      const secret = 'a-secret-passed-as-a-plain-string-not-an-array';
      const problems = problemsOf({ secrets: secret });
      expect(problems).toContain(
        `secrets: got a string of ${secret.length} characters, needs an array of secrets, each at least 32 characters`,
      );
      expect(problems.join('\n')).not.toContain(secret.slice(0, 10));
    });

    it('S9: reports a secret that is not a string', () => {
      expect(problemsOf({ secrets: [SECRET, 12345] })).toEqual([
        'secrets[1]: got 12345, needs a string of at least 32 characters',
      ]);
    });

    it.each(['idleTimeout', 'absoluteTimeout', 'touchAfter'])('reports a non-integer %s', (option) => {
      expect(problemsOf(withOptions({ [option]: 1_500.5 }))).toEqual([
        `${option}: got 1500.5, needs a whole number of milliseconds`,
      ]);
    });

    it.each([
      ['idleTimeout', -1, 'at least 1000 (one second)'],
      ['absoluteTimeout', -1, 'at least 1000 (one second)'],
      ['touchAfter', -1, '0 or more'],
      ['idleTimeout', 999, 'at least 1000 (one second)'],
      ['commandTimeout', 9, 'at least 10'],
      ['maxSessionBytes', 1_023, 'at least 1024'],
    ])('reports %s = %d as too small', (option, value, needs) => {
      expect(problemsOf(withOptions({ [option]: value }))).toEqual([`${option}: got ${value}, needs ${needs}`]);
    });

    it.each([
      ['idleTimeout', 2_147_483_648, 'at most 2147483647'],
      ['absoluteTimeout', 365 * 24 * 60 * 60_000 + 1, 'at most 31536000000 (a year)'],
      ['commandTimeout', 60_001, 'at most 60000'],
    ])('reports %s = %d as too large', (option, value, needs) => {
      expect(problemsOf(withOptions({ [option]: value }))).toEqual([`${option}: got ${value}, needs ${needs}`]);
    });

    it('reports a duration given as a string, NaN or Infinity', () => {
      expect(problemsOf(withOptions({ idleTimeout: '60000' }))).toContain(
        'idleTimeout: got "60000", needs a whole number of milliseconds',
      );
      expect(problemsOf(withOptions({ absoluteTimeout: NaN }))).toContainEqual(
        expect.stringMatching(/^absoluteTimeout: got .+, needs a whole number of milliseconds$/),
      );
      expect(problemsOf(withOptions({ touchAfter: Infinity }))).toContainEqual(
        expect.stringMatching(/^touchAfter: got .+, needs a whole number of milliseconds$/),
      );
    });

    it.each([
      [{ touchAfter: 1_800_000 }, 1_800_000, 1_800_000],
      [{ touchAfter: 1_800_001 }, 1_800_001, 1_800_000],
      [{ idleTimeout: 5_000, touchAfter: 5_000 }, 5_000, 5_000],
      [{ idleTimeout: 5_000, touchAfter: 9_000 }, 9_000, 5_000],
    ])('reports touchAfter >= idleTimeout (%o)', (overrides, touchAfter, idleTimeout) => {
      expect(problemsOf(withOptions(overrides))).toEqual([
        `touchAfter: got ${touchAfter}, needs to be below idleTimeout (${idleTimeout}) or sessions would expire while in use`,
      ]);
    });

    it('reports anonymousIdleTimeout above idleTimeout', () => {
      expect(problemsOf(withOptions({ idleTimeout: 60_000, anonymousIdleTimeout: 60_001 }))).toEqual([
        'anonymousIdleTimeout: got 60001, needs at most idleTimeout (60000)',
      ]);
    });

    it('accepts touchAfter just below idleTimeout', () => {
      expect(resolveSessionOptions(withOptions({ idleTimeout: 5_000, touchAfter: 4_999 })).touchAfter).toBe(4_999);
    });

    it.each(['sess*', 'sess?', 'sess[', 'sess]', 'sess{', 'sess}', 'se\\ss', 'my sess:', 'sess:\t', 'sess:\n'])(
      'S36: reports the key prefix %j',
      (keyPrefix) => {
        expect(problemsOf(withOptions({ keyPrefix }))).toEqual([
          `keyPrefix: got ${JSON.stringify(keyPrefix)}, needs no whitespace, glob characters (* ? [ ] \\) or braces`,
        ]);
      },
    );

    it('S36: accepts a prefix of ordinary characters', () => {
      expect(resolveSessionOptions(withOptions({ keyPrefix: 'app:sess-1_' })).keyPrefix).toBe('app:sess-1_');
    });

    it('S11: reports a __Host- name with a Domain', () => {
      expect(problemsOf(withCookie({ name: '__Host-sid', secure: true, domain: 'example.com' }))).toEqual([
        'cookie.domain: got "example.com", needs to be unset with a __Host- cookie name',
      ]);
    });

    it('S11: reports a __Host- name with a path other than /', () => {
      expect(problemsOf(withCookie({ name: '__Host-sid', secure: true, path: '/app' }))).toEqual([
        `cookie.path: got "/app", needs '/' with a __Host- cookie name`,
      ]);
    });

    it.each([
      [undefined, 'auto'],
      [false, 'false'],
      ['auto', 'auto'],
    ])('S11: reports a __Host- name with secure: %s', (secure, shown) => {
      expect(problemsOf(withCookie({ name: '__Host-sid', secure }))).toEqual([
        `cookie.secure: got ${shown}, needs true with a __Host- cookie name (leave the name unset to get __Host-sid on HTTPS and sid on HTTP)`,
      ]);
    });

    it('S11: reports every contradiction of a __Host- name at once', () => {
      const problems = problemsOf(withCookie({ name: '__Host-sid', domain: 'example.com', path: '/a' }));
      expect(problems).toHaveLength(3);
      expect(problems.map((p) => p.split(':')[0])).toEqual(['cookie.domain', 'cookie.path', 'cookie.secure']);
    });

    it('S11: reports a __Secure- name without secure: true', () => {
      expect(problemsOf(withCookie({ name: '__Secure-sid' }))).toEqual([
        'cookie.secure: got auto, needs true with a __Secure- cookie name',
      ]);
    });

    it.each([undefined, false, 'auto'])('S11: reports SameSite=None with secure: %s', (secure) => {
      expect(problemsOf(withCookie({ sameSite: 'none', secure }))).toEqual([
        `cookie.sameSite: got 'none', needs cookie.secure: true (browsers drop SameSite=None cookies that are not Secure)`,
      ]);
    });

    const headerBreakers: [string, string][] = [
      ['";"', ';'],
      ['","', ','],
      ['a space', ' '],
      ['a tab', '\t'],
      ['CR', '\r'],
      ['LF', '\n'],
      ['CRLF', '\r\n'],
      ['NUL', '\0'],
    ];

    it.each(headerBreakers)('S11: reports a cookie name holding %s', (_label, char) => {
      const name = `s${char}id`;
      expect(problemsOf(withCookie({ name }))).toEqual([
        `cookie.name: got ${JSON.stringify(name)}, needs a cookie-name token (letters, digits, !#$%&'*+-.^_\`|~)`,
      ]);
    });

    it.each(headerBreakers)('S11: reports a cookie path holding %s', (_label, char) => {
      const path = `/a${char}b`;
      expect(problemsOf(withCookie({ path }))).toEqual([
        `cookie.path: got ${JSON.stringify(path)}, needs a path starting with '/' of printable ASCII without spaces, ';' or ','`,
      ]);
    });

    it.each(headerBreakers)('S11: reports a cookie domain holding %s', (_label, char) => {
      const domain = `example${char}.com`;
      expect(problemsOf(withCookie({ domain }))).toEqual([
        `cookie.domain: got ${JSON.stringify(domain)}, needs a host name such as example.com (no port, no spaces, no ;)`,
      ]);
    });

    it.each([
      ['name', 'sid=x'],
      ['name', ''],
      ['path', 'app'],
      ['path', '/app; Domain=evil.example'],
      ['domain', 'example.com; Secure'],
      ['domain', 'example.com:8080'],
    ])('S11: reports cookie.%s = %j', (option, value) => {
      const problems = problemsOf(withCookie({ [option]: value }));
      expect(problems).toHaveLength(1);
      const start = `cookie.${option}: got ${JSON.stringify(value)}, needs `;
      expect(problems[0]!.slice(0, start.length)).toBe(start);
    });

    it('reports an unknown option, such as a typo of idleTimeout', () => {
      expect(problemsOf(withOptions({ idleTimout: 60_000 }))).toEqual(['idleTimout: unknown option']);
    });

    it('reports an unknown cookie option', () => {
      expect(problemsOf(withCookie({ nmae: 'sid' }))).toEqual(['cookie.nmae: unknown option']);
    });

    it('reports a cookie option that is not an object', () => {
      expect(problemsOf(withOptions({ cookie: 'sid' }))).toEqual([
        'cookie: got "sid", needs an object of cookie attributes',
      ]);
    });

    it.each([
      ['store', 'disk', `store: got "disk", needs 'redis' or 'memory'`],
      [
        'redis',
        'http://localhost:6379',
        'redis: got "http://localhost:6379", needs a redis:// or rediss:// URL, ioredis options or an ioredis client',
      ],
      [
        'trustProxy',
        'yes',
        'trustProxy: got "yes", needs true, false, or the number of proxies in front of the app (1 to 32)',
      ],
      ['trustProxy', 0, 'trustProxy: got 0, needs true, false, or the number of proxies in front of the app (1 to 32)'],
      ['anonymousIdleTimeout', 10, 'anonymousIdleTimeout: got 10, needs at least 1000 (one second)'],
      ['globalInterceptor', 1, 'globalInterceptor: got 1, needs true or false'],
    ])('reports %s = %j', (option, value, line) => {
      expect(problemsOf(withOptions({ [option]: value }))).toEqual([line]);
    });

    it.each([
      ['secure', 'yes', `cookie.secure: got "yes", needs true, false or 'auto'`],
      ['sameSite', 'Lax', `cookie.sameSite: got "Lax", needs 'lax', 'strict' or 'none'`],
      ['httpOnly', 'true', 'cookie.httpOnly: got "true", needs true or false'],
      ['maxAge', 999, 'cookie.maxAge: got 999, needs at least 1000 (one second)'],
    ])('reports cookie.%s = %j', (option, value, line) => {
      expect(problemsOf(withCookie({ [option]: value }))).toEqual([line]);
    });

    it.each([
      [
        { userAgent: 'short' },
        `device.userAgent: got "short", needs true (a short description), 'full' (the whole header) or false`,
      ],
      [
        { userAgent: 1 },
        `device.userAgent: got 1, needs true (a short description), 'full' (the whole header) or false`,
      ],
      [{ ip: 'full' }, 'device.ip: got "full", needs true or false'],
      [{ agent: true }, 'device.agent: unknown option'],
      ['full', `device: got "full", needs an object: { userAgent?: true | 'full' | false, ip?: boolean }`],
      [true, `device: got true, needs an object: { userAgent?: true | 'full' | false, ip?: boolean }`],
      [[], `device: got an array of 0, needs an object: { userAgent?: true | 'full' | false, ip?: boolean }`],
    ])('reports device = %j, naming the key', (device, line) => {
      expect(problemsOf(withOptions({ device }))).toEqual([line]);
    });

    it('reports a Redis connection with the memory store', () => {
      expect(problemsOf(withOptions({ store: 'memory', redis: 'redis://localhost:6379' }))).toEqual([
        `redis: got a connection, needs to be unset with store: 'memory'`,
      ]);
    });

    it('reports several problems at once, one line each', () => {
      const problems = problemsOf({
        secrets: [],
        idleTimeout: -1,
        keyPrefix: 'a*',
        idleTimout: 5,
        cookie: { name: 'a b', path: 'x', nmae: 1 },
      });
      expect([...problems].sort()).toEqual(
        [
          'secrets: got an array of 0, needs at least one secret',
          'idleTimeout: got -1, needs at least 1000 (one second)',
          'keyPrefix: got "a*", needs no whitespace, glob characters (* ? [ ] \\) or braces',
          'idleTimout: unknown option',
          `cookie.name: got "a b", needs a cookie-name token (letters, digits, !#$%&'*+-.^_\`|~)`,
          `cookie.path: got "x", needs a path starting with '/' of printable ASCII without spaces, ';' or ','`,
          'cookie.nmae: unknown option',
        ].sort(),
      );
    });

    it('reports several contradictions at once, one line each', () => {
      const problems = problemsOf(
        withOptions({ touchAfter: 2_000_000, cookie: { name: '__Host-sid', sameSite: 'none', domain: 'example.com' } }),
      );
      expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(
        ['cookie.domain', 'cookie.sameSite', 'cookie.secure', 'touchAfter'].sort(),
      );
    });
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from './support/commands.js';
import { readmeApps, typeCheck } from './support/type-check.js';

/*
 * The README's code a user copies: every ```ts block that names its file (`// src/main.ts`) is part of a
 * small app, one per section, type-checked as a user's project would be (strict, `nodenext`, no unused
 * imports or variables) against the library.
 */

const apps = readmeApps(readFileSync(join(REPOSITORY_ROOT, 'README.md'), 'utf8'));

describe('README.md', () => {
  it('has a Quick start of complete files: a controller, a module and main.ts', () => {
    const quickStart = apps.find((app) => app.section === 'Quick start');
    expect(Object.keys(quickStart?.files ?? {}).sort()).toEqual([
      'src/app.module.ts',
      'src/main.ts',
      'src/shop.controller.ts',
    ]);
  });

  it.each(apps.map((app) => [app.section, app] as const))(
    '"%s" type-checks as copied',
    (_section, app) => {
      expect(typeCheck(app.files)).toEqual([]);
    },
    120_000,
  );

  it('would report an undefined name or an unused import (the check is not vacuous)', () => {
    const problems = typeCheck({
      'src/main.ts': "import { Get } from '@nestjs/common';\nexport const userId: string = checkPassword();\n",
    });
    expect(problems).toEqual([
      expect.stringMatching(/^src\/main\.ts:1:1 .*'Get' is declared but its value is never read/),
      expect.stringMatching(/^src\/main\.ts:2:31 Cannot find name 'checkPassword'/),
    ]);
  }, 120_000);
});

import { BadRequestException } from '@nestjs/common';
import { bodyFields } from '../common/request-input.js';
import type { ShopSession, Theme } from '../shop-session.interface.js';

/** Every theme a user can pick. */
export const THEMES: readonly Theme[] = ['light', 'dark'];

/** Whether `value` is one of the themes. */
export function isTheme(value: unknown): value is Theme {
  return typeof value === 'string' && (THEMES as readonly string[]).includes(value);
}

/**
 * The session's theme, light by default. Anything else found in the session (data written by an older
 * version of the app, say) counts as unset: the value ends up in a class attribute of the page.
 */
export function themeOf(data: ShopSession): Theme {
  return isTheme(data.theme) ? data.theme : 'light';
}

/** Reads `{ theme }` from a request body, or throws a 400. */
export function parseTheme(body: unknown): Theme {
  const { theme } = bodyFields(body);
  if (!isTheme(theme)) throw new BadRequestException(`"theme" must be one of: ${THEMES.join(', ')}`);
  return theme;
}

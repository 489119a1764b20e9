import { Body, Controller, Get, Put } from '@nestjs/common';
import { Session } from 'nest-redis-session';
import type { ShopSession, Theme } from '../shop-session.interface.js';
import { parseTheme, themeOf } from './theme.js';

/** What the settings routes return. */
export interface SettingsResponse {
  readonly theme: Theme;
}

/** The user's settings, kept in the session. Signed-in users only (the app-wide `AuthGuard`). */
@Controller('api/settings')
export class SettingsController {
  /** `GET /api/settings` → `{ theme }`. */
  @Get()
  read(@Session() session: Session<ShopSession>): SettingsResponse {
    return { theme: themeOf(session.data) };
  }

  /** `PUT /api/settings` `{ theme: 'light' | 'dark' }` → 200 `{ theme }`; 400 for anything else. */
  @Put()
  update(@Session() session: Session<ShopSession>, @Body() body: unknown): SettingsResponse {
    session.data.theme = parseTheme(body);
    return { theme: session.data.theme };
  }
}

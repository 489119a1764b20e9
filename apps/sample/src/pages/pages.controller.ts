import {
  Body,
  Controller,
  Get,
  Header,
  HttpStatus,
  Inject,
  Post,
  Query,
  Redirect,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ThrottlerGuard } from '@nestjs/throttler';
import {
  Public,
  REDIS_SESSION_OPTIONS,
  Session,
  SessionUnauthorizedException,
  type ResolvedSessionOptions,
  type SessionRejection,
} from 'nest-redis-session';
import { AuthService } from '../auth/auth.service.js';
import { parseFormCredentials } from '../auth/credentials.input.js';
import { parseCartItem, parseSku } from '../cart/cart-item.input.js';
import { CartService } from '../cart/cart.service.js';
import { PRODUCTS } from '../cart/product-catalogue.js';
import { DevicesService } from '../devices/devices.service.js';
import { parsePublicIdField } from '../devices/public-id.input.js';
import { parseTheme, themeOf } from '../settings/theme.js';
import type { ShopSession } from '../shop-session.interface.js';
import { DEMO_ACCOUNTS } from '../users/demo-users.js';
import type { User } from '../users/user.interface.js';
import { UsersService } from '../users/users.service.js';
import { renderDevicesPage } from './devices.page.js';
import { renderHomePage } from './home.page.js';
import { keepThemeCookie } from './theme-cookie.js';

/**
 * Messages the home page can show, chosen by key: the query string picks one but never supplies text, so
 * a crafted link cannot put words (or markup) on the page.
 */
const NOTICES = new Map<string, string>([
  ['signin-failed', 'Wrong username or password.'],
  ['signin-incomplete', 'Enter your username and password.'],
  ['signin-required', 'Please sign in first.'],
  ['signed-out', 'You are signed out.'],
]);

/**
 * What the home page says when the browser's cookie named a session that has ended (`session.rejection`).
 * Other reasons (a tampered or malformed cookie) get no message: nothing the visitor can act on.
 */
const ENDED_SESSION_NOTICES = new Map<SessionRejection, string>([
  ['expired', 'Your session expired. Please sign in again.'],
  ['unknown', 'You were signed out.'],
  ['not-indexed', 'You were signed out.'],
  [
    'ambiguous-cookie',
    'Your browser sent two session cookies for this site, so neither is used. Clear this site’s cookies, then sign in again.',
  ],
]);

/** Rejections whose cookie names nothing that will ever work again: the home page clears it. */
const DEAD_COOKIE_REJECTIONS = new Set<SessionRejection>([
  'expired',
  'unknown',
  'not-indexed',
  'bad-signature',
  'malformed-cookie',
  'malformed-record',
]);

/** The Devices page's messages, chosen by key like the home page's. */
const DEVICE_NOTICES = new Map<string, string>([
  ['device-signed-out', 'That device is signed out.'],
  ['device-not-found', 'That device was already signed out.'],
  ['others-signed-out', 'All your other devices are signed out.'],
]);

/** Where most forms go back to. 303 makes the browser follow with a GET, so a reload never re-posts. */
const HOME = '/';
/** Where the Devices page's forms go back to. */
const DEVICES = '/devices';

/** What the pages read of a request and write to a response: either adapter's objects. */
type PageRequest = { headers: Record<string, string | string[] | undefined> };

/**
 * The server-rendered pages: the home page, the Devices page, and the HTML forms they post (urlencoded).
 * Each form action answers with a 303 redirect; the session is saved before the redirect is sent. The
 * app-wide CSRF protection (`enableCsrfProtection()`) refuses every one of these forms posted from another
 * site, the device ones included. Errors become pages of the shop (`HtmlErrorFilter`, for the whole app).
 */
@Controller()
export class PagesController {
  constructor(
    private readonly users: UsersService,
    private readonly auth: AuthService,
    private readonly cart: CartService,
    private readonly devices: DevicesService,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(REDIS_SESSION_OPTIONS) private readonly sessionOptions: ResolvedSessionOptions,
  ) {}

  /** `GET /`: the sign-in form when signed out; greeting, theme, cart and links when signed in. */
  @Public()
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  // The page shows the user's data: no cache may keep it for someone else.
  @Header('cache-control', 'no-store')
  async home(
    @Session() session: Session<ShopSession>,
    @Query('notice') notice: unknown,
    @Req() request: PageRequest,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<string> {
    const user =
      session.isAuthenticated && session.userId !== undefined ? this.users.findById(session.userId) : undefined;
    const ended = session.rejection === undefined ? undefined : ENDED_SESSION_NOTICES.get(session.rejection);
    // The cookie names a session that ended: drop it (no Redis call, only a clearing Set-Cookie), so the
    // "you were signed out" notice shows once and later requests stop presenting it. Never for two
    // cookies at once (clearing ours would leave the other, maybe planted) or for an old ID that a sign-in
    // just replaced (the browser holds the new cookie by now).
    if (session.rejection !== undefined && DEAD_COOKIE_REJECTIONS.has(session.rejection)) await session.destroy();
    const theme = themeOf(session.data);
    keepThemeCookie(this.adapterHost.httpAdapter, request, response, theme);
    return renderHomePage({
      user,
      theme,
      cart: this.cart.view(session.data),
      products: PRODUCTS,
      notice: typeof notice === 'string' ? NOTICES.get(notice) : ended,
      demoAccounts: DEMO_ACCOUNTS,
      store: this.sessionOptions.store,
    }).toString();
  }

  /** `GET /devices`: where the user is signed in, with "Sign out" buttons; sign-in form if signed out. */
  @Get('devices')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async devicesPage(
    @Session() session: Session<ShopSession>,
    @Query('notice') notice: unknown,
    @Req() request: PageRequest,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<string> {
    const theme = themeOf(session.data);
    keepThemeCookie(this.adapterHost.httpAdapter, request, response, theme);
    return renderDevicesPage({
      user: this.signedInUser(session),
      theme,
      devices: await this.devices.list(session),
      limit: this.devices.limit,
      notice: typeof notice === 'string' ? DEVICE_NOTICES.get(notice) : undefined,
    }).toString();
  }

  /**
   * `POST /devices/sign-out` (form: publicId) → 303: home, signed out, for this device; back to the Devices
   * page otherwise, with a notice saying whether it was still signed in. 400 page for a malformed ID.
   */
  @Post('devices/sign-out')
  @Redirect(DEVICES, HttpStatus.SEE_OTHER)
  async signOutDevice(@Session() session: Session<ShopSession>, @Body() body: unknown): Promise<{ url: string }> {
    const result = await this.devices.signOutDevice(session, parsePublicIdField(body));
    if (result === 'this-device') return { url: '/?notice=signed-out' };
    return { url: `${DEVICES}?notice=${result === 'other-device' ? 'device-signed-out' : 'device-not-found'}` };
  }

  /** `POST /devices/sign-out-others` → 303 back to the Devices page, only this device left. */
  @Post('devices/sign-out-others')
  @Redirect(`${DEVICES}?notice=others-signed-out`, HttpStatus.SEE_OTHER)
  async signOutOtherDevices(@Session() session: Session<ShopSession>): Promise<void> {
    await this.devices.signOutOtherDevices(session);
  }

  /**
   * `POST /signin` (form: username, password) → 303 home, signed in, or back to the form with a notice
   * (a field left empty, wrong credentials). Over the sign-in rate limit: a 429 page.
   */
  @Public()
  @Post('signin')
  @UseGuards(ThrottlerGuard)
  @Redirect(HOME, HttpStatus.SEE_OTHER)
  async signIn(@Session() session: Session<ShopSession>, @Body() body: unknown): Promise<{ url: string } | void> {
    const credentials = parseFormCredentials(body);
    if (credentials === undefined) return { url: '/?notice=signin-incomplete' };
    const user = await this.auth.signIn(session, credentials);
    if (user === undefined) return { url: '/?notice=signin-failed' };
  }

  /** `POST /signout` → 303 home, signed out. */
  @Public()
  @Post('signout')
  @Redirect('/?notice=signed-out', HttpStatus.SEE_OTHER)
  async signOut(@Session() session: Session<ShopSession>): Promise<void> {
    await session.logout();
  }

  /** `POST /theme` (form: theme) → 303 home; 400 page for an unknown theme. */
  @Post('theme')
  @Redirect(HOME, HttpStatus.SEE_OTHER)
  setTheme(@Session() session: Session<ShopSession>, @Body() body: unknown): void {
    session.data.theme = parseTheme(body);
  }

  /** `POST /cart` (form: sku, quantity) → 303 home; 400 page for an unknown product or a bad quantity. */
  @Post('cart')
  @Redirect(HOME, HttpStatus.SEE_OTHER)
  addToCart(@Session() session: Session<ShopSession>, @Body() body: unknown): void {
    this.cart.add(session.data, parseCartItem(body));
  }

  /** `POST /cart/remove` (form: sku) → 303 home. */
  @Post('cart/remove')
  @Redirect(HOME, HttpStatus.SEE_OTHER)
  removeFromCart(@Session() session: Session<ShopSession>, @Body() body: unknown): void {
    this.cart.remove(session.data, parseSku(body));
  }

  /** The signed-in user. A session can outlive its account: then it counts as signed out. */
  private signedInUser(session: Session<ShopSession>): User {
    const user = session.userId === undefined ? undefined : this.users.findById(session.userId);
    if (user === undefined) throw new SessionUnauthorizedException('Sign-in required');
    return user;
  }
}

import { Controller, Get, Header, HttpStatus, Redirect } from '@nestjs/common';
import { Public } from 'nest-redis-session';

/** A teacup, in the notice colour of the pages. Small enough to keep inline rather than as a static file. */
const FAVICON = [
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">',
  '<rect width="32" height="32" rx="7" fill="#e0a000"/>',
  '<path d="M7 11h14v6a6 6 0 0 1-6 6h-2a6 6 0 0 1-6-6z" fill="#fff"/>',
  '<path d="M21 13h1.5a3 3 0 0 1 0 6H21" fill="none" stroke="#fff" stroke-width="2"/>',
  '<path d="M6 25h18" stroke="#fff" stroke-width="2" stroke-linecap="round"/>',
  '</svg>',
].join('');

/**
 * The shop's icon. Public and sessionless: a browser asks for it with every first visit, and answering it
 * costs no Redis command.
 */
@Controller()
@Public()
export class FaviconController {
  /** `GET /favicon.svg`: the icon the pages link to. */
  @Get('favicon.svg')
  @Header('content-type', 'image/svg+xml')
  @Header('cache-control', 'public, max-age=86400')
  icon(): string {
    return FAVICON;
  }

  /** `GET /favicon.ico`: where browsers look without a link (and tools that ignore it): the same icon. */
  @Get('favicon.ico')
  @Redirect('/favicon.svg', HttpStatus.MOVED_PERMANENTLY)
  legacyIcon(): void {}
}

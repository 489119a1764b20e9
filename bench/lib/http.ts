/**
 * A cookie header of the same length as a signed session cookie, for the contenders without sessions: the
 * requests they parse are as large as everyone else's.
 */
export const PLACEHOLDER_COOKIE = `sid=${'x'.repeat(87)}`;

/**
 * The browser every set-up request claims to be. A library that stores the user agent with the session (for
 * device lists) stores a realistic one, so the memory figures match what a real sign-in costs.
 */
export const BROWSER_USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** One request; fails loudly on anything but 2xx, so a broken contender never gets measured. */
export async function request(
  url: string,
  method: 'GET' | 'POST',
  cookie?: string,
  userAgent = BROWSER_USER_AGENT,
): Promise<Response> {
  const headers: Record<string, string> = { 'user-agent': userAgent };
  if (cookie !== undefined) headers.cookie = cookie;
  const response = await fetch(url, { method, headers });
  if (!response.ok) {
    throw new Error(`${method} ${url} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
  }
  await response.arrayBuffer();
  return response;
}

/** Signs in as a new user and returns the session cookie (`name=value`) the app set. */
export async function signIn(baseUrl: string, userAgent?: string): Promise<string | undefined> {
  const response = await request(`${baseUrl}/login`, 'POST', undefined, userAgent);
  const setCookie = response.headers.getSetCookie()[0];
  return setCookie?.split(';', 1)[0];
}

/** Signs in `count` sessions, one after another. Contenders without sessions get placeholder cookies. */
export async function signInMany(baseUrl: string, count: number, userAgent?: string): Promise<string[]> {
  const cookies: string[] = [];
  for (let i = 0; i < count; i++) cookies.push((await signIn(baseUrl, userAgent)) ?? PLACEHOLDER_COOKIE);
  return cookies;
}

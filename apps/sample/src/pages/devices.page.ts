import type { DeviceLimit, DeviceView } from '../devices/devices.service.js';
import type { Theme } from '../shop-session.interface.js';
import type { User } from '../users/user.interface.js';
import { html, type SafeHtml } from './html.js';
import { pageLayout } from './page-layout.js';

/** Everything the Devices page shows. */
export interface DevicesPageView {
  readonly user: User;
  readonly theme: Theme;
  /** The user's sessions, newest first. */
  readonly devices: readonly DeviceView[];
  readonly limit: DeviceLimit;
  /** A fixed message chosen by the app (never text from the request). */
  readonly notice: string | undefined;
}

/**
 * The Devices page: where the user is signed in, this device marked, a "Sign out" button per device and
 * one for all the others, and the limit on devices. Every value from a session (the device description,
 * above all: for a client the library does not recognise, it is the client's own text) goes through
 * `html`, so it is escaped.
 */
export function renderDevicesPage(view: DevicesPageView): SafeHtml {
  const others = view.devices.filter((device) => !device.current).length;
  const body = html`
    <h1>Your devices</h1>
    <p><a href="/">Back to the shop</a></p>
    ${view.notice !== undefined && html`<p class="notice" role="status">${view.notice}</p>`}
    <p>
      <strong class="user-name">${view.user.name}</strong>, you are signed in on
      <span class="device-count">${view.devices.length}</span> ${view.devices.length === 1 ? 'device' : 'devices'}.
    </p>
    <p class="limit">${limitText(view.limit)}</p>
    ${devicesTable(view.devices)}
    ${
      others > 0
        ? html`<form method="post" action="/devices/sign-out-others">
            <button type="submit">Sign out all other devices</button>
          </form>`
        : html`<p class="muted no-other-devices">You are not signed in anywhere else.</p>`
    }
  `;
  return pageLayout('Your devices', view.theme, body);
}

/** The rule, in words a user understands. */
function limitText(limit: DeviceLimit): string {
  if (limit.maxSessionsPerUser === undefined) return 'You can be signed in on any number of devices.';
  const max = `${limit.maxSessionsPerUser} ${limit.maxSessionsPerUser === 1 ? 'device' : 'devices'}`;
  return limit.onSessionLimit === 'evict-oldest'
    ? `You can be signed in on up to ${max} at once; signing in on another signs out the one you signed in on longest ago.`
    : `You can be signed in on up to ${max} at once; to sign in on another, first sign out of one here.`;
}

function devicesTable(devices: readonly DeviceView[]): SafeHtml {
  return html`
    <table class="devices">
      <thead>
        <tr>
          <th>Device</th>
          <th>IP address</th>
          <th>Signed in</th>
          <th>Last active</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${devices.map(
          (device) =>
            html`<tr data-public-id="${device.publicId}" ${device.current && html`class="current"`}>
              <td>
                <strong class="device-name">${device.description}</strong>
                ${device.current && html`<span class="this-device">(this device)</span>`}
              </td>
              <td data-label="IP address">${device.ip ?? 'unknown'}</td>
              <td data-label="Signed in">${time(device.createdAt)}</td>
              <td data-label="Last active">${time(device.lastSeenAt)}</td>
              <td>
                <form class="inline" method="post" action="/devices/sign-out">
                  <input type="hidden" name="publicId" value="${device.publicId}" />
                  <button type="submit">Sign out</button>
                </form>
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
  `;
}

/** A `<time>` element: readable text, machine-readable attribute. In UTC, as the server knows no time zone. */
function time(date: Date): SafeHtml {
  const iso = date.toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
}

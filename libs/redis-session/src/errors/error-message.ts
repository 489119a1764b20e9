/**
 * The message of anything thrown. Checked by shape, not `instanceof Error`: errors from Node's own
 * modules can come from another realm (a VM context, a worker) where `instanceof` fails.
 */
export function messageOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    return (error as { message: string }).message;
  }
  return String(error);
}

/**
 * The data a rotation's new session starts with. A request loaded `loaded`, and its own view is now
 * `own`; meanwhile other requests may have written the old record, which held `last` when the rotation
 * retired it. Every key this request changed (or removed) takes its own value; every other key takes the
 * old record's last value, so concurrent writes are not lost. All maps hold JSON text by data key.
 */
export function mergeConcurrentChanges(
  loaded: ReadonlyMap<string, string>,
  own: ReadonlyMap<string, string>,
  last: ReadonlyMap<string, string>,
): Map<string, string> {
  const merged = new Map(last);
  for (const key of new Set([...loaded.keys(), ...own.keys()])) {
    const mine = own.get(key);
    if (mine === loaded.get(key)) continue;
    if (mine === undefined) merged.delete(key);
    else merged.set(key, mine);
  }
  return merged;
}

// localStorage with a key prefix, tolerant of storage being unavailable or full (private
// windows, quota): the game still runs, it just forgets on reload.
const PREFIX = 'trinca.';

export function readJson<T>(key: string): T | null {
  try {
    const text = globalThis.localStorage?.getItem(PREFIX + key);
    return text == null ? null : (JSON.parse(text) as T);
  } catch {
    return null;
  }
}

export function writeJson(key: string, value: unknown): void {
  try {
    if (value === null || value === undefined) globalThis.localStorage?.removeItem(PREFIX + key);
    else globalThis.localStorage?.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // Storage full or disabled: keep going in memory.
  }
}

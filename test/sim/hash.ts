// Cheap deterministic string hashing for trace fingerprints, checksums and entry identity.

/** 32-bit FNV-1a. */
export function fnv1a(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A running 64-bit-ish fingerprint (two independent FNV lanes) of a sequence of strings. */
export class TraceHash {
  private h1 = 0x811c9dc5;
  private h2 = 0x050c5d1f;
  count = 0;

  add(s: string): void {
    this.h1 = fnv1a(s, this.h1);
    this.h2 = fnv1a(s, this.h2 ^ 0x9e3779b9);
    this.count++;
  }

  hex(): string {
    return this.h1.toString(16).padStart(8, '0') + this.h2.toString(16).padStart(8, '0');
  }
}

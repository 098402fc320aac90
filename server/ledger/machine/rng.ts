// Seeded randomness and string hashing for the pure cores. Pure JS on purpose: no
// node:crypto (the cores must also run in the browser and in the simulator), and the
// exact sequence must never change between versions, or replicas and snapshots diverge.

/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

/** cyrb128 (bryc, public domain): a fast 128-bit non-cryptographic string hash. */
export function hash128(str: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < str.length; i++) {
    const k = str.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** 32 lowercase hex characters. */
export function hashHex(str: string): string {
  return hash128(str)
    .map((h) => h.toString(16).padStart(8, '0'))
    .join('');
}

/** sfc32 (Chris Doty-Humphrey's Small Fast Counter), seeded with four 32-bit words. */
export function sfc32(a: number, b: number, c: number, d: number): Rng {
  return () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** A generator fully determined by `seed`. */
export function seededRng(seed: string): Rng {
  const [a, b, c, d] = hash128(seed);
  const rng = sfc32(a, b, c, d);
  // Warm up: the first outputs of sfc32 correlate with the seed words.
  for (let i = 0; i < 12; i++) rng();
  return rng;
}

/** Uniform integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

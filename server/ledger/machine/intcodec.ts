// Compact text form of integer lists for snapshots: ascending runs become "a-b", others
// stay single numbers, comma-separated. The fresh stock (a few long runs) is a few bytes;
// a well-shuffled list costs about what plain JSON would. Order is preserved exactly.

export function encodeInts(list: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < list.length) {
    let j = i;
    while (j + 1 < list.length && list[j + 1] === list[j] + 1) j++;
    parts.push(j > i ? `${list[i]}-${list[j]}` : `${list[i]}`);
    i = j + 1;
  }
  return parts.join(',');
}

const PART = /^(0|[1-9][0-9]{0,9})(?:-(0|[1-9][0-9]{0,9}))?$/;

/** Inverse of encodeInts; throws on anything it would not have produced. */
export function decodeInts(text: string, max = Number.MAX_SAFE_INTEGER): number[] {
  if (text === '') return [];
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = PART.exec(part);
    if (!m) throw new Error(`bad integer list element "${part.slice(0, 40)}"`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b > max) throw new Error(`bad integer range "${part}"`);
    for (let k = a; k <= b; k++) out.push(k);
  }
  return out;
}

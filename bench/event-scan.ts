// The fields a bench bot acts on, read straight from an event's JSON bytes (docs/protocol.md):
// a walk over the top-level keys that skips every other value without building it, and stops
// as soon as the fields wanted for the event's type are in (ATUALIZACAO_JOGO names matchId,
// eventSeq, phase and turn before its table, narration and players). Keys are compared as
// written (JSON.stringify never escapes a plain ASCII key); string values with escapes are
// decoded by JSON.parse. JSON malformed before the last field needed makes read() return false
// (what follows it is not read at all).

const K = {
  type: 1,
  requestId: 2,
  matchId: 4,
  eventSeq: 8,
  phase: 16,
  turn: 32,
  host: 64,
  shadow: 128,
  code: 256,
  hand: 512,
  cards: 1024,
} as const;
type Key = (typeof K)[keyof typeof K];

const KEYS: [string, Key][] = [
  ['type', K.type],
  ['requestId', K.requestId],
  ['matchId', K.matchId],
  ['eventSeq', K.eventSeq],
  ['phase', K.phase],
  ['turn', K.turn],
  ['host', K.host],
  ['shadow', K.shadow],
  ['code', K.code],
  ['hand', K.hand],
  ['cards', K.cards],
];
/** Keys by length, as bytes. */
const BY_LEN: [Buffer, Key][][] = [];
for (const [k, bit] of KEYS) (BY_LEN[k.length] ??= []).push([Buffer.from(k), bit]);

/** What each type needs; until the type is known, everything. */
const WANT: Record<string, number> = {
  ATUALIZACAO_JOGO: K.matchId | K.eventSeq | K.phase | K.turn,
  MAO: K.matchId | K.hand,
  PARTIDA_ENCONTRADA: K.matchId | K.host | K.shadow,
  FIM_DE_JOGO: K.matchId,
  PACOTE_RESULTADO: K.requestId | K.cards,
  ERRO: K.requestId | K.code,
};
const WANT_OTHER = K.requestId;

const Q = 0x22; // "
const BS = 0x5c; // \

class Bad extends Error {}

export class EventScan {
  type = '';
  /** n of a requestId "q<n>" (the bots' own form); 0 when absent or not of that form. */
  requestNo = 0;
  matchId = '';
  eventSeq = 0;
  phase = '';
  turn: string | null = null;
  host = '';
  shadow = '';
  code = '';
  /** The `id` of each element of `hand` (MAO) or `cards` (PACOTE_RESULTADO). */
  ids: string[] = [];
  private esc = false;

  /** Reads buf[start, end). False if it is not a JSON object. */
  read(buf: Buffer, start: number, end: number): boolean {
    this.type = '';
    this.requestNo = 0;
    this.matchId = '';
    this.eventSeq = 0;
    this.phase = '';
    this.turn = null;
    this.host = '';
    this.shadow = '';
    this.code = '';
    this.ids = [];
    this.seen = 0;
    try {
      this.object(buf, start, end, true);
      return this.type !== '';
    } catch (err) {
      if (err instanceof Bad) return false;
      throw err;
    }
  }

  /** Walks the object at `i`; top level: fills the fields; nested (card): returns its `id`. */
  private object(b: Buffer, i: number, e: number, top: boolean): string {
    i = ws(b, i, e);
    if (b[i] !== 0x7b) throw new Bad();
    i = ws(b, i + 1, e);
    let want = -1; // everything until `type` is read
    if (b[i] === 0x7d) return '';
    for (;;) {
      if (b[i] !== Q) throw new Bad();
      const ks = i + 1;
      i = this.endOfString(b, i, e);
      const ke = i - 1;
      i = ws(b, i, e);
      if (b[i] !== 0x3a) throw new Bad();
      const vs = ws(b, i + 1, e);
      const ve = this.endOfValue(b, vs, e);
      if (top) {
        const k = keyOf(b, ks, ke);
        if (k !== 0 && (want & k) !== 0) {
          this.field(k, b, vs, ve);
          if (k === K.type) want = (WANT[this.type] ?? WANT_OTHER) & ~this.seen;
          want &= ~k;
          this.seen |= k;
          if (want === 0) return '';
        }
      } else if (ke - ks === 2 && b[ks] === 0x69 && b[ks + 1] === 0x64) {
        return this.str(b, vs, ve); // "id"
      }
      i = ws(b, ve, e);
      if (b[i] === 0x2c) i = ws(b, i + 1, e);
      else if (b[i] === 0x7d) return '';
      else throw new Bad();
    }
  }

  /** Keys already read in this object (so `type` coming late does not ask for them again). */
  private seen = 0;

  private field(k: Key, b: Buffer, s: number, e: number): void {
    switch (k) {
      case K.type:
        this.type = this.str(b, s, e);
        return;
      case K.requestId: {
        // "q<n>": digits read in place; any other form is not one of ours.
        let n = 0;
        if (b[s] === Q && b[s + 1] === 0x71 && e - s > 3) {
          for (let i = s + 2; i < e - 1; i++) {
            const d = b[i] - 0x30;
            if (d < 0 || d > 9) {
              n = 0;
              break;
            }
            n = n * 10 + d;
          }
        }
        this.requestNo = n;
        return;
      }
      case K.matchId:
        this.matchId = this.str(b, s, e);
        return;
      case K.eventSeq:
        this.eventSeq = num(b, s, e);
        return;
      case K.phase:
        this.phase = this.str(b, s, e);
        return;
      case K.turn:
        this.turn = b[s] === Q ? this.str(b, s, e) : null;
        return;
      case K.host:
        this.host = this.str(b, s, e);
        return;
      case K.shadow:
        this.shadow = b[s] === Q ? this.str(b, s, e) : '';
        return;
      case K.code:
        this.code = b[s] === Q ? this.str(b, s, e) : '';
        return;
      case K.hand:
      case K.cards:
        this.ids = this.idsOf(b, s, e);
        return;
    }
  }

  /** The `id` of each object in the array at [s, e). */
  private idsOf(b: Buffer, s: number, e: number): string[] {
    const out: string[] = [];
    let i = ws(b, s, e);
    if (b[i] !== 0x5b) throw new Bad();
    i = ws(b, i + 1, e);
    if (b[i] === 0x5d) return out;
    for (;;) {
      const ve = this.endOfValue(b, i, e);
      out.push(this.object(b, i, ve, false));
      i = ws(b, ve, e);
      if (b[i] === 0x2c) i = ws(b, i + 1, e);
      else if (b[i] === 0x5d) return out;
      else throw new Bad();
    }
  }

  /** The string value at [s, e) (quotes included), decoded. */
  private str(b: Buffer, s: number, e: number): string {
    if (b[s] !== Q) throw new Bad();
    // endOfValue just ran over it and noted whether it held an escape.
    return this.esc ? (JSON.parse(b.toString('utf8', s, e)) as string) : b.toString('utf8', s + 1, e - 1);
  }

  /** i at an opening quote → just past the closing one. */
  private endOfString(b: Buffer, i: number, e: number): number {
    this.esc = false;
    for (let j = i + 1; j < e; j++) {
      const c = b[j];
      if (c === Q) return j + 1;
      if (c === BS) {
        this.esc = true;
        j++;
      }
    }
    throw new Bad();
  }

  /** i at a value → just past it (objects and arrays skipped whole). */
  private endOfValue(b: Buffer, i: number, e: number): number {
    const c = b[i];
    if (c === Q) return this.endOfString(b, i, e);
    if (c === 0x7b || c === 0x5b) {
      let depth = 0;
      for (let j = i; j < e; ) {
        const d = b[j];
        if (d === Q) {
          j = this.endOfString(b, j, e);
          continue;
        }
        if (d === 0x7b || d === 0x5b) depth++;
        else if (d === 0x7d || d === 0x5d) {
          if (--depth === 0) return j + 1;
        }
        j++;
      }
      throw new Bad();
    }
    let j = i;
    while (j < e) {
      const d = b[j];
      if (d === 0x2c || d === 0x7d || d === 0x5d || d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) break;
      j++;
    }
    if (j === i) throw new Bad();
    return j;
  }
}

function ws(b: Buffer, i: number, e: number): number {
  while (i < e) {
    const c = b[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
  throw new Bad();
}

function keyOf(b: Buffer, s: number, e: number): Key | 0 {
  const cands = BY_LEN[e - s];
  if (!cands) return 0;
  outer: for (const [k, bit] of cands) {
    for (let i = 0; i < k.length; i++) if (b[s + i] !== k[i]) continue outer;
    return bit;
  }
  return 0;
}

/** A non-negative integer (eventSeq); anything else is malformed. */
function num(b: Buffer, s: number, e: number): number {
  let n = 0;
  for (let i = s; i < e; i++) {
    const d = b[i] - 0x30;
    if (d < 0 || d > 9) throw new Bad();
    n = n * 10 + d;
  }
  if (e === s) throw new Bad();
  return n;
}

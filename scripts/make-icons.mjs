#!/usr/bin/env node
// Rasterizes the one Trinca icon, renderer/src/assets/icon.svg (copied to build/icon.svg), into
// the packaging icons. No SVG rasterizer is available on these machines without downloads
// (no rsvg-convert, Inkscape, ImageMagick or resvg), so this reads the small SVG subset the
// icon uses — <rect> with rx, fill and stroke; <g transform="rotate(a cx cy)">; <path> made of
// straight segments (M/L/l/z), filled — and draws it with an anti-aliased sampler; anything
// else in the SVG stops the script with the element it cannot draw. PNGs are written with zlib,
// plus a PNG-in-ICO for Windows; macOS icons come from build/icon.png (electron-builder makes
// the .icns). Output: build/icon.png (1024), build/icons/<n>x<n>.png (Linux), build/icon.ico.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'build');
const SOURCE = path.join(root, 'renderer/src/assets/icon.svg');

function color(v, what) {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(v ?? '');
  if (!m) throw new Error(`${what}: colour "${v}" is not #rgb or #rrggbb`);
  const h = m[1].length === 3 ? [...m[1]].map((c) => c + c).join('') : m[1];
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
}

function attrs(text) {
  const a = {};
  for (const m of text.matchAll(/([\w:-]+)="([^"]*)"/g)) a[m[1]] = m[2];
  return a;
}

/** The SVG as a list of shapes in paint order, each a signed distance (or inside test) in viewBox units. */
export function readIcon(svg) {
  const view = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(svg);
  if (!view || view[1] !== view[2]) throw new Error('icon.svg needs a square viewBox="0 0 N N"');
  const shapes = [];
  const rotations = [];
  for (const m of svg.matchAll(/<(\/?)([\w:-]+)([^>]*?)(\/?)>/g)) {
    const [, closing, tag, rest, selfClosing] = m;
    if (tag === 'svg' || tag === '?xml') continue;
    if (tag === 'g') {
      if (closing) rotations.pop();
      else {
        const t = attrs(rest).transform ?? '';
        const r = /^rotate\(\s*(-?[\d.]+)[\s,]+(-?[\d.]+)[\s,]+(-?[\d.]+)\s*\)$/.exec(t);
        if (t && !r) throw new Error(`icon.svg: <g transform="${t}"> is not rotate(a cx cy)`);
        rotations.push(r ? r.slice(1).map(Number) : [0, 0, 0]);
        if (selfClosing) rotations.pop();
      }
      continue;
    }
    if (closing) continue;
    const a = attrs(rest);
    const rot = rotations.filter(([deg]) => deg !== 0);
    const fill = a.fill === 'none' ? null : color(a.fill, `<${tag}> fill`);
    const stroke = a.stroke && a.stroke !== 'none' ? color(a.stroke, `<${tag}> stroke`) : null;
    const sw = stroke ? Number(a['stroke-width'] ?? 1) : 0;
    if (tag === 'rect') {
      const [x, y, w, h, rx] = ['x', 'y', 'width', 'height', 'rx'].map((k) => Number(a[k] ?? 0));
      shapes.push({ rot, fill, stroke, sw, dist: (px, py) => sdRoundRect(px, py, x + w / 2, y + h / 2, w / 2, h / 2, rx) });
    } else if (tag === 'path') {
      if (stroke) throw new Error('icon.svg: a stroked <path> is beyond this rasterizer');
      const poly = polygon(a.d ?? '');
      shapes.push({ rot, fill, stroke: null, sw: 0, dist: (px, py) => (inside(poly, px, py) ? -1 : 1) });
    } else {
      throw new Error(`icon.svg: <${tag}> is beyond this rasterizer (rect, g rotate, path M/L/l/z)`);
    }
  }
  return { size: Number(view[1]), shapes };
}

function polygon(d) {
  const pts = [];
  let x = 0;
  let y = 0;
  let cmd = '';
  const tokens = d.match(/[MLlmz]|-?[\d.]+/g) ?? [];
  for (let i = 0; i < tokens.length; ) {
    if (/[MLlmz]/.test(tokens[i])) cmd = tokens[i++];
    if (cmd === 'z') break;
    const dx = Number(tokens[i++]);
    const dy = Number(tokens[i++]);
    if (Number.isNaN(dx) || Number.isNaN(dy)) throw new Error(`icon.svg: path "${d}" is not M/L/l/z segments`);
    if (cmd === 'M' || cmd === 'L') [x, y] = [dx, dy];
    else [x, y] = [x + dx, y + dy];
    pts.push([x, y]);
    if (cmd === 'M') cmd = 'L';
    if (cmd === 'm') cmd = 'l';
  }
  if (pts.length < 3) throw new Error(`icon.svg: path "${d}" has fewer than 3 points`);
  return pts;
}

function inside(poly, x, y) {
  let yes = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) yes = !yes;
  }
  return yes;
}

// Signed distance to a rounded rectangle centred at (cx, cy).
function sdRoundRect(x, y, cx, cy, hw, hh, r) {
  const qx = Math.abs(x - cx) - (hw - r);
  const qy = Math.abs(y - cy) - (hh - r);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

// The point in the shape's own coordinates: undo its group rotations (SVG rotates the shape by deg).
function unrotate(x, y, rot) {
  for (let k = rot.length - 1; k >= 0; k--) {
    const [deg, cx, cy] = rot[k];
    const a = (-deg * Math.PI) / 180;
    const dx = x - cx;
    const dy = y - cy;
    [x, y] = [cx + dx * Math.cos(a) - dy * Math.sin(a), cy + dx * Math.sin(a) + dy * Math.cos(a)];
  }
  return [x, y];
}

const icon = readIcon(fs.readFileSync(SOURCE, 'utf8'));

// Paints one sample (viewBox coordinates); returns [r, g, b, a].
function sample(x, y) {
  let c = null;
  for (const s of icon.shapes) {
    const [px, py] = unrotate(x, y, s.rot);
    const d = s.dist(px, py);
    if (s.fill && d <= -s.sw / 2) c = s.fill;
    else if (s.stroke && Math.abs(d) <= s.sw / 2) c = s.stroke;
    else if (!s.stroke && s.fill && d <= 0) c = s.fill;
  }
  return c ? [...c, 255] : [0, 0, 0, 0];
}

function render(size) {
  const ss = size <= 64 ? 6 : size <= 256 ? 4 : 2;
  const px = Buffer.alloc(size * size * 4);
  const scale = icon.size / size;
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sj = 0; sj < ss; sj++) {
        for (let si = 0; si < ss; si++) {
          const [cr, cg, cb, ca] = sample((i + (si + 0.5) / ss) * scale, (j + (sj + 0.5) / ss) * scale);
          r += cr * ca; g += cg * ca; b += cb * ca; a += ca;
        }
      }
      const o = (j * size + i) * 4;
      if (a > 0) {
        px[o] = Math.round(r / a); px[o + 1] = Math.round(g / a); px[o + 2] = Math.round(b / a);
      }
      px[o + 3] = Math.round(a / (ss * ss));
    }
  }
  return px;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function ico(images) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  const entries = [];
  let offset = 6 + 16 * images.length;
  for (const { size, data } of images) {
    const e = Buffer.alloc(16);
    e[0] = size >= 256 ? 0 : size;
    e[1] = size >= 256 ? 0 : size;
    e.writeUInt16LE(1, 4);
    e.writeUInt16LE(32, 6);
    e.writeUInt32LE(data.length, 8);
    e.writeUInt32LE(offset, 12);
    offset += data.length;
    entries.push(e);
  }
  return Buffer.concat([header, ...entries, ...images.map((i) => i.data)]);
}

fs.mkdirSync(path.join(out, 'icons'), { recursive: true });
const made = new Map();
for (const size of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) {
  const data = png(size, render(size));
  made.set(size, data);
  if (size <= 512) fs.writeFileSync(path.join(out, 'icons', `${size}x${size}.png`), data);
}
fs.writeFileSync(path.join(out, 'icon.png'), made.get(1024));
fs.writeFileSync(path.join(out, 'icon.ico'), ico([16, 24, 32, 48, 64, 128, 256].map((size) => ({ size, data: made.get(size) }))));
fs.copyFileSync(path.join(root, 'renderer/src/assets/icon.svg'), path.join(out, 'icon.svg'));
process.stdout.write(`icons written to ${path.relative(root, out)}/ (icon.png, icon.ico, icon.svg, icons/*.png)\n`);

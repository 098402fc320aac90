#!/usr/bin/env node
// Draws the Trinca icon (three fanned cards, the same drawing as build/icon.svg) without any
// external tool: a tiny anti-aliased rasterizer writes PNGs (zlib) and a PNG-in-ICO for
// Windows. macOS icons come from build/icon.png (electron-builder makes the .icns).
// Output: build/icon.png (1024), build/icons/<n>x<n>.png (Linux), build/icon.ico.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'build');

const hex = (h) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
const BG = hex('#171c2b');
const GOLD = hex('#f2b534');
const BLUE = hex('#5b8ff0');
const GREEN = hex('#38c28a');
const LIGHT = hex('#e9ecf5');
const WHITE = hex('#ffffff');

// Signed distance to a rounded rectangle centred at (cx, cy).
function sdRoundRect(x, y, cx, cy, hw, hh, r) {
  const qx = Math.abs(x - cx) - (hw - r);
  const qy = Math.abs(y - cy) - (hh - r);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

function rotate(x, y, cx, cy, deg) {
  const a = (-deg * Math.PI) / 180;
  const dx = x - cx;
  const dy = y - cy;
  return [cx + dx * Math.cos(a) - dy * Math.sin(a), cy + dx * Math.sin(a) + dy * Math.cos(a)];
}

// Paints one sample (coordinates in the 64-unit design space); returns [r, g, b, a].
function sample(x, y) {
  let color = null;
  const paint = (d, fill, stroke, sw) => {
    if (d <= -sw / 2) color = fill;
    else if (d <= sw / 2) color = stroke;
  };
  paint(sdRoundRect(x, y, 32, 32, 30, 30, 14), BG, GOLD, 2);
  if (!color) return [0, 0, 0, 0];
  const card = (rx, ry, deg, fill, stroke) => {
    const [px, py] = rotate(x, y, 32, 44, deg);
    paint(sdRoundRect(px, py, rx + 11, ry + 16, 11, 16, 4), fill, stroke, 1.5);
  };
  card(20, 14, -18, BLUE, LIGHT);
  card(22, 14, 18, GREEN, LIGHT);
  card(21, 12, 0, GOLD, WHITE);
  if (Math.abs(x - 32) / 5 + Math.abs(y - 28) / 8 <= 1) color = BG;
  return [...color, 255];
}

function render(size) {
  const ss = size <= 64 ? 6 : size <= 256 ? 4 : 2;
  const px = Buffer.alloc(size * size * 4);
  const scale = 64 / size;
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

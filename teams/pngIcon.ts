import { deflateSync } from "node:zlib";

/**
 * Draws the app's icon (a shield with a check mark) as PNG bytes, with no image library:
 * Teams wants a 192×192 full-colour icon and a 32×32 white-on-transparent outline.
 */
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** RGBA pixels (row-major, size×size×4) to a PNG file. */
export function encodePng(size: number, rgba: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * size * 4, size * 4).copy(raw, y * (size * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** Inside the shield (unit square coordinates, 0..1). */
function inShield(x: number, y: number): boolean {
  const top = 0.14;
  const bottom = 0.9;
  if (y < top || y > bottom) return false;
  const halfWidth = y < 0.55 ? 0.34 : 0.34 * Math.sqrt(Math.max(0, 1 - ((y - 0.55) / (bottom - 0.55)) ** 2));
  return Math.abs(x - 0.5) <= halfWidth;
}

/** On the check mark's two strokes. */
function onCheck(x: number, y: number, width: number): boolean {
  const seg = (ax: number, ay: number, bx: number, by: number) => {
    const t = Math.max(
      0,
      Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)),
    );
    return Math.hypot(x - (ax + t * (bx - ax)), y - (ay + t * (by - ay))) <= width;
  };
  return seg(0.34, 0.5, 0.46, 0.63) || seg(0.46, 0.63, 0.68, 0.38);
}

function draw(size: number, paint: (x: number, y: number) => [number, number, number, number]): Buffer {
  const px = new Uint8Array(size * size * 4);
  const ss = 4; // supersampling for smooth edges
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const acc = [0, 0, 0, 0];
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const c = paint((x + (sx + 0.5) / ss) / size, (y + (sy + 0.5) / ss) / size);
          for (let i = 0; i < 3; i++) acc[i] += c[i] * c[3];
          acc[3] += c[3];
        }
      }
      const o = (y * size + x) * 4;
      const a = acc[3] / (ss * ss);
      for (let i = 0; i < 3; i++) px[o + i] = acc[3] ? Math.round(acc[i] / acc[3]) : 0;
      px[o + 3] = Math.round(a);
    }
  }
  return encodePng(size, px);
}

/** 192×192: white shield and check on the accent colour. */
export function colorIcon(): Buffer {
  return draw(192, (x, y) => {
    if (onCheck(x, y, 0.045) && inShield(x, y)) return [0x0f, 0x6c, 0xbd, 255];
    if (inShield(x, y)) return [255, 255, 255, 255];
    return [0x0f, 0x6c, 0xbd, 255];
  });
}

/** 32×32: white outline of the shield on transparent. */
export function outlineIcon(): Buffer {
  return draw(32, (x, y) => {
    const inner = inShield(0.5 + (x - 0.5) * 1.25, 0.52 + (y - 0.52) * 1.2);
    if ((inShield(x, y) && !inner) || onCheck(x, y, 0.05)) return [255, 255, 255, 255];
    return [0, 0, 0, 0];
  });
}

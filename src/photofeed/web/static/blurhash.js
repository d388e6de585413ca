// Blurhash placeholders: a photo's blurred colours, shown while the photo itself loads.
// The decoder follows the published algorithm (https://blurha.sh); 32×32 pixels is plenty
// for a background that the browser stretches and smooths.
const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";
const SIZE = 32;

function base83(text) {
  let value = 0;
  for (const ch of text) value = value * 83 + DIGITS.indexOf(ch);
  return value;
}

function toLinear(value) {
  const x = value / 255;
  return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
}

function toSrgb(value) {
  const x = Math.max(0, Math.min(1, value));
  return Math.round((x <= 0.0031308 ? x * 12.92 : 1.055 * x ** (1 / 2.4) - 0.055) * 255);
}

function components(hash) {
  const size = base83(hash[0]);
  const nx = (size % 9) + 1;
  const ny = Math.floor(size / 9) + 1;
  if (hash.length !== 4 + 2 * nx * ny) return null;
  const maxAc = (base83(hash[1]) + 1) / 166;
  const dc = base83(hash.slice(2, 6));
  const colours = [[toLinear(dc >> 16), toLinear((dc >> 8) & 255), toLinear(dc & 255)]];
  for (let i = 1; i < nx * ny; i++) {
    const v = base83(hash.slice(4 + i * 2, 6 + i * 2));
    colours.push([Math.floor(v / 361), Math.floor(v / 19) % 19, v % 19].map((q) => {
      const c = (q - 9) / 9;
      return Math.sign(c) * c * c * maxAc;
    }));
  }
  return { nx, ny, colours };
}

/** RGBA pixels of the picture a blurhash stands for, or null if the hash is malformed. */
export function decode(hash, width = SIZE, height = SIZE) {
  const parts = hash && hash.length >= 6 ? components(hash) : null;
  if (!parts) return null;
  const { nx, ny, colours } = parts;
  const pixels = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const rgb = [0, 0, 0];
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++) {
          const basis = Math.cos((Math.PI * x * i) / width) * Math.cos((Math.PI * y * j) / height);
          const c = colours[i + j * nx];
          rgb[0] += c[0] * basis; rgb[1] += c[1] * basis; rgb[2] += c[2] * basis;
        }
      }
      const p = 4 * (x + y * width);
      pixels.set([toSrgb(rgb[0]), toSrgb(rgb[1]), toSrgb(rgb[2]), 255], p);
    }
  }
  return pixels;
}

/** Paint an image's blurhash behind it until the image has loaded. */
export function placeholder(img) {
  if (img.complete && img.naturalWidth) return;
  const pixels = decode(img.dataset.blurhash);
  if (!pixels) return;
  const canvas = document.createElement("canvas");
  canvas.width = SIZE;
  canvas.height = SIZE;
  canvas.getContext("2d").putImageData(new ImageData(pixels, SIZE, SIZE), 0, 0);
  img.style.backgroundImage = `url(${canvas.toDataURL()})`;
  // Transparent photos should not show the blur behind them once they are there.
  img.addEventListener("load", () => { img.style.backgroundImage = ""; }, { once: true });
}

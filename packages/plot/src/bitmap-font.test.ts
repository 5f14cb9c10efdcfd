import { describe, expect, it } from 'vitest';
import { fontCharacters, GLYPH_HEIGHT, GLYPH_WIDTH, glyphPixel, textHeight, textWidth } from './bitmap-font.js';

describe('bitmap font', () => {
  it('has a distinct glyph for every printable ASCII character (so text can be read back)', () => {
    const seen = new Map<string, string>();
    for (const ch of fontCharacters()) {
      let bits = '';
      for (let x = 0; x < GLYPH_WIDTH; x++) for (let y = 0; y < GLYPH_HEIGHT; y++) bits += glyphPixel(ch.charCodeAt(0), x, y) ? '1' : '0';
      expect(seen.get(bits), `'${ch}' draws like '${seen.get(bits)}'`).toBeUndefined();
      seen.set(bits, ch);
      if (ch !== ' ') expect(bits).toContain('1');
    }
    expect(seen.size).toBe(95);
  });

  it('measures text: 6 pixels per character less the last blank column, times the scale', () => {
    expect(textWidth('', 2)).toBe(0);
    expect(textWidth('Offset')).toBe(35);
    expect(textWidth('Offset', 2)).toBe(70);
    expect(textHeight(2)).toBe(16);
  });

  it('draws unknown characters as ?', () => {
    for (let y = 0; y < GLYPH_HEIGHT; y++) expect(glyphPixel(0xe9, 2, y)).toBe(glyphPixel('?'.charCodeAt(0), 2, y));
  });
});

import fc from 'fast-check';

/**
 * Strings a hostile process could choose: mostly the dangerous characters (C0, DEL, C1,
 * bidi and other format characters, separators, odd spaces, lone surrogates, backslashes
 * and what looks like our escapes), mixed with ASCII, accents, CJK and astral characters.
 */
const DANGEROUS = [
  '\u0000', '\u0007', '\b', '\t', '\n', '\u000b', '\f', '\r', '\u001b', '\u001b[31m', '\u001b]0;x\u0007', '\u007f',
  '\u0080', '\u0085', '\u009b', '\u009f', '\u00a0', '\u00ad', '\u061c', '\u1680', '\u200b', '\u200d', '\u200e', '\u200f',
  '\u2028', '\u2029', '\u202a', '\u202e', '\u2066', '\u2069', '\u3000', '\ufeff', '\ud800', '\udfff', '\udb40\udc01',
  '\\', '\\n', '\\x1b', '\\u202e', '\\u{e0001}', '|', '`', '*', '_', '[', ']', '<', '>', '#', '&', '~',
];
const piece = fc.oneof(
  fc.constantFrom(...DANGEROUS),
  fc.string({ unit: 'grapheme', maxLength: 4 }),
  fc.string({ unit: 'binary', maxLength: 4 }),
  fc.constantFrom('é', 'e\u0301', '東京', '🐧', '👩‍💻', 'ß', 'Ω', ' '),
);
export const hostileString = fc.array(piece, { maxLength: 12 }).map((pieces) => pieces.join(''));

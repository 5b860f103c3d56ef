import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { displayWidth, escapeMarkdown, escapeText, fitCell, markdownCode, unescapeText } from '../../src/render/escape-text.js';
import { hostileString } from '../helpers/hostile-strings.js';
import { unsafeCharacters } from '../helpers/terminal-safety.js';

describe('escapeText', () => {
  it.each([
    ['sshd', 'sshd'],
    ['/tmp/x\n\u001b[31mFAKE tcp LISTEN 0.0.0.0:22\u001b[0m', '/tmp/x\\n\\x1b[31mFAKE tcp LISTEN 0.0.0.0:22\\x1b[0m'],
    ['\u001b]0;PWN\u0007\u001b[2J', '\\x1b]0;PWN\\x07\\x1b[2J'],
    ['a\\b', 'a\\\\b'],
    ['a\tb\rc\u007f', 'a\\tb\\rc\\x7f'],
    ['evil\u202etxt.sh', 'evil\\u202etxt.sh'],
    ['\u0085\u009b', '\\u0085\\u009b'],
    ['x\u2028y\u2029\ufeff', 'x\\u2028y\\u2029\\ufeff'],
    ['no\u00a0break', 'no\\u00a0break'],
    ['lone \ud800 and \udc00', 'lone \\ud800 and \\udc00'],
    ['tag \udb40\udc01', 'tag \\u{e0001}'],
    ['café 東京 🐧', 'café 東京 🐧'],
  ])('%j -> %j', (input, expected) => {
    expect(escapeText(input)).toBe(expected);
    expect(unescapeText(expected)).toBe(input);
  });

  it('never lets a forbidden code point through', () => {
    fc.assert(fc.property(hostileString, (text) => unsafeCharacters(escapeText(text)).length === 0 && !escapeText(text).includes('\n')), { numRuns: 2000 });
  });

  it('is injective: unescapeText gives the text back', () => {
    fc.assert(fc.property(hostileString, (text) => unescapeText(escapeText(text)) === text), { numRuns: 2000 });
    fc.assert(fc.property(hostileString, hostileString, (a, b) => a === b || escapeText(a) !== escapeText(b)), { numRuns: 2000 });
  });

  it('leaves printable text without backslashes unchanged', () => {
    const printable = fc.string({ unit: 'grapheme', maxLength: 30 }).filter((text) => !/[\\\p{C}\p{Z}]/u.test(text.replace(/ /g, '')));
    fc.assert(fc.property(printable, (text) => escapeText(text) === text), { numRuns: 2000 });
  });
});

describe('escapeMarkdown and markdownCode', () => {
  it.each([
    ['a|b *c* `d`', 'a\\|b \\*c\\* \\`d\\`'],
    ['x\ny', 'x\\\\ny'],
    ['# not a title', '\\# not a title'],
    ['> not a quote', '\\> not a quote'],
    ['[click](http://x) <img src=x> &#8238; ~~s~~ _e_', '\\[click\\](http://x) \\<img src=x> \\&#8238; \\~\\~s\\~\\~ \\_e\\_'],
  ])('%j -> %j', (input, expected) => {
    expect(escapeMarkdown(input)).toBe(expected);
  });

  it('leaves no unescaped markup character and no line break in a cell', () => {
    fc.assert(
      fc.property(hostileString, (text) => {
        const cell = escapeMarkdown(text);
        // drop escaped pairs; what is left must hold no character markdown acts on
        const bare = cell.replace(/\\[\s\S]/g, '');
        return unsafeCharacters(cell).length === 0 && !cell.includes('\n') && !/[\\`*_[\]<|&~]/.test(bare) && !/^\s*[#>+\-=]/.test(cell);
      }),
      { numRuns: 2000 },
    );
  });

  it('fences code with more backticks than it holds, and escapes every pipe', () => {
    expect(markdownCode('unix stream /run/a|b`c host')).toBe('``unix stream /run/a\\|b`c host``');
    fc.assert(
      fc.property(hostileString, (text) => {
        const code = markdownCode(text);
        const pipes = code.replace(/\\\\/g, '').match(/(^|[^\\])\|/g);
        return unsafeCharacters(code).length === 0 && pipes === null;
      }),
      { numRuns: 1000 },
    );
  });
});

describe('fitCell', () => {
  it('cuts between escapes and marks the cut with an ellipsis', () => {
    expect(fitCell('/run/user/1000/very/long/path.sock', 16)).toBe('/run/user/1000/…');
    expect(fitCell('a\u001bb', 3)).toBe('a…');
    expect(fitCell('東京東京東京', 6)).toBe('東京…');
    expect(fitCell('short', 80)).toBe('short');
  });

  it('keeps every cell within its width, and a cut cell is a prefix of the whole', () => {
    fc.assert(
      fc.property(hostileString, fc.integer({ min: 2, max: 40 }), (text, width) => {
        const cell = fitCell(text, width);
        if (displayWidth(cell) > width || unsafeCharacters(cell).length > 0) return false;
        if (!cell.endsWith('…') || cell === escapeText(text)) return cell === escapeText(text);
        return escapeText(text).startsWith(cell.slice(0, -1));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('displayWidth', () => {
  it('counts wide characters twice and combining marks not at all', () => {
    expect(displayWidth('sshd')).toBe(4);
    expect(displayWidth('東京')).toBe(4);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('🐧')).toBe(2);
  });
});

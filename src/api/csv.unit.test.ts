import { describe, expect, it } from 'vitest';
import { csvCell, csvFile } from './csv.js';

describe('csvCell: quoted, quotes doubled, formulas neutralised', () => {
  it.each([
    ['plain', '"plain"'],
    ['say "hi"', '"say ""hi"""'],
    ['a,b\nc', '"a,b\nc"'],
    ['=HYPERLINK("http://x","y")', '"\'=HYPERLINK(""http://x"",""y"")"'],
    ['+1', '"\'+1"'],
    ['-2+3', '"\'-2+3"'],
    ['@SUM(A1)', '"\'@SUM(A1)"'],
    ['\tcmd', '"\'\tcmd"'],
    ['\rcmd', '"\'\rcmd"'],
    ['a=b', '"a=b"'],
    ['', '""'],
  ])('%j -> %s', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it('null and undefined are empty; numbers and booleans as text (a negative number is neutralised too)', () => {
    expect([null, undefined, 3, true, -1].map(csvCell)).toEqual(['""', '""', '"3"', '"true"', '"\'-1"']);
  });
});

describe('csvFile', () => {
  it('a header line of the column names, one line per row, CRLF line ends', () => {
    const rows = [
      { a: 'x', b: 1 },
      { a: '=cmd', b: null },
    ];
    expect(csvFile(['a', 'b'], rows, (r) => [r.a, r.b])).toBe('a,b\r\n"x","1"\r\n"\'=cmd",""\r\n');
  });

  it('no rows: the header alone', () => {
    expect(csvFile(['a'], [], () => [])).toBe('a\r\n');
  });
});

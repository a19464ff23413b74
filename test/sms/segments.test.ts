/** SMS segment counting: what an escalation text costs, GSM-7 versus UCS-2. */
import { countSmsSegments } from '../../src/transports/twilio';

describe('countSmsSegments', () => {
  it.each([
    ['empty', '', 'GSM-7', 1],
    ['160 ASCII characters', 'a'.repeat(160), 'GSM-7', 1],
    ['161 ASCII characters', 'a'.repeat(161), 'GSM-7', 2],
    ['306 ASCII characters (2 × 153)', 'a'.repeat(306), 'GSM-7', 2],
    ['307 ASCII characters', 'a'.repeat(307), 'GSM-7', 3],
    ['GSM accents such as é and à', 'Café à HN-0142', 'GSM-7', 1],
    ['80 euro signs (extension: 2 septets each)', '€'.repeat(80), 'GSM-7', 1],
    ['81 euro signs', '€'.repeat(81), 'GSM-7', 2],
    ['159 characters plus one extension character', `${'a'.repeat(159)}[`, 'GSM-7', 2],
    // 306 septets would fit two parts, but the escape pair may not straddle the boundary.
    ['an extension character at a part boundary', `${'a'.repeat(152)}{${'a'.repeat(152)}`, 'GSM-7', 3],
    ['Vietnamese with tone marks', 'Đồng Hành: hồ sơ HN-0142', 'UCS-2', 1],
    ['70 Vietnamese characters', 'ệ'.repeat(70), 'UCS-2', 1],
    ['71 Vietnamese characters', 'ệ'.repeat(71), 'UCS-2', 2],
    ['134 Vietnamese characters (2 × 67)', 'ệ'.repeat(134), 'UCS-2', 2],
    ['135 Vietnamese characters', 'ệ'.repeat(135), 'UCS-2', 3],
    ['one diacritic in otherwise ASCII text', `${'a'.repeat(100)}ơ`, 'UCS-2', 2],
    ['35 emoji (surrogate pairs: 70 UTF-16 units)', '👍'.repeat(35), 'UCS-2', 1],
  ])('%s', (_case, body, encoding, segments) => {
    expect(countSmsSegments(body)).toEqual({ encoding, segments });
  });

  it('counts decomposed (NFD) Vietnamese as more units than composed (NFC)', () => {
    const text = 'Hồ sơ HN-0142: bước "Xác minh ban đầu" quá hạn 3 ngày. Vui lòng xử lý.';
    expect(countSmsSegments(text.normalize('NFC'))).toEqual({ encoding: 'UCS-2', segments: 1 });
    expect(countSmsSegments(text.normalize('NFD'))).toEqual({ encoding: 'UCS-2', segments: 2 });
  });
});

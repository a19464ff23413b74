/**
 * The 34 provincial-level units in force since the 2025 reorganisation, keyed by their
 * ISO 3166-2:VN code. A case's province must be one of these.
 */
import { z } from 'zod';

export const PROVINCES = {
  'VN-HN': 'Hà Nội',
  'VN-26': 'Huế',
  'VN-HP': 'Hải Phòng',
  'VN-DN': 'Đà Nẵng',
  'VN-SG': 'Thành phố Hồ Chí Minh',
  'VN-CT': 'Cần Thơ',
  'VN-07': 'Tuyên Quang',
  'VN-04': 'Cao Bằng',
  'VN-01': 'Lai Châu',
  'VN-02': 'Lào Cai',
  'VN-69': 'Thái Nguyên',
  'VN-71': 'Điện Biên',
  'VN-09': 'Lạng Sơn',
  'VN-05': 'Sơn La',
  'VN-68': 'Phú Thọ',
  'VN-56': 'Bắc Ninh',
  'VN-13': 'Quảng Ninh',
  'VN-66': 'Hưng Yên',
  'VN-18': 'Ninh Bình',
  'VN-21': 'Thanh Hóa',
  'VN-22': 'Nghệ An',
  'VN-23': 'Hà Tĩnh',
  'VN-25': 'Quảng Trị',
  'VN-29': 'Quảng Ngãi',
  'VN-30': 'Gia Lai',
  'VN-34': 'Khánh Hòa',
  'VN-35': 'Lâm Đồng',
  'VN-33': 'Đắk Lắk',
  'VN-39': 'Đồng Nai',
  'VN-37': 'Tây Ninh',
  'VN-49': 'Vĩnh Long',
  'VN-45': 'Đồng Tháp',
  'VN-44': 'An Giang',
  'VN-59': 'Cà Mau',
} as const;

export type ProvinceCode = keyof typeof PROVINCES;

export const ProvinceCode = z.enum(Object.keys(PROVINCES) as [ProvinceCode, ...ProvinceCode[]], {
  error: (issue) =>
    `unknown province code ${JSON.stringify(issue.input)}; use an ISO 3166-2:VN code such as "VN-DN" (Đà Nẵng)`,
});

/**
 * Demo directory for Đà Nẵng: one agency of each kind that acts in a journey, with the staff
 * that escalation ladders reach. Names are of (fictional) staff, never of victims; addresses
 * and phone numbers are demo values. Ids are stable so tests and demos can refer to them.
 */
import type { AgencyKind } from '../domain/agencies';
import type { ProvinceCode } from '../domain/provinces';
import type { StaffRole } from '../domain/staff';

export interface DemoStaff {
  role: StaffRole;
  name: string;
  language?: 'vi' | 'en';
}

export interface DemoAgency {
  id: string;
  kind: AgencyKind;
  nameVi: string;
  nameEn: string;
  staff: DemoStaff[];
}

export const DEMO_PROVINCE: ProvinceCode = 'VN-DN';

export const DEMO_AGENCIES: DemoAgency[] = [
  {
    id: 'dn-health',
    kind: 'health_dept',
    nameVi: 'Sở Y tế thành phố Đà Nẵng (Phòng Bảo trợ xã hội)',
    nameEn: 'Da Nang Department of Health (Social Protection)',
    staff: [
      { role: 'caseworker', name: 'Nguyễn Thị Lan' },
      { role: 'caseworker', name: 'Trần Văn Minh' },
      { role: 'supervisor', name: 'Lê Thị Hồng' },
      { role: 'focal_point', name: 'Phạm Quốc Bảo' },
      { role: 'coordinator', name: 'Võ Thị Thu Hà' },
      { role: 'manager', name: 'Đặng Văn Hùng' },
    ],
  },
  {
    id: 'dn-police',
    kind: 'police',
    nameVi: 'Phòng Cảnh sát hình sự, Công an thành phố Đà Nẵng',
    nameEn: 'Criminal Police Division, Da Nang City Police',
    staff: [
      { role: 'caseworker', name: 'Hoàng Văn Dũng' },
      { role: 'supervisor', name: 'Bùi Đức Thắng' },
      { role: 'focal_point', name: 'Ngô Thị Mai' },
    ],
  },
  {
    id: 'dn-border-guard',
    kind: 'border_guard',
    nameVi: 'Bộ Chỉ huy Bộ đội Biên phòng thành phố Đà Nẵng',
    nameEn: 'Da Nang Border Guard Command',
    staff: [
      { role: 'caseworker', name: 'Đỗ Văn Tài' },
      { role: 'supervisor', name: 'Huỳnh Minh Quân' },
      { role: 'focal_point', name: 'Phan Thị Ngọc' },
    ],
  },
  {
    id: 'dn-shelter',
    kind: 'shelter',
    nameVi: 'Cơ sở trợ giúp xã hội thành phố Đà Nẵng',
    nameEn: 'Da Nang Social Assistance Facility (shelter)',
    staff: [
      { role: 'caseworker', name: 'Trương Thị Yến' },
      { role: 'supervisor', name: 'Lương Văn Phúc' },
      { role: 'focal_point', name: 'Mai Thị Thảo' },
    ],
  },
  {
    id: 'dn-iom',
    kind: 'ngo',
    nameVi: 'Tổ chức Di cư Quốc tế (IOM) – nhóm hỗ trợ Đà Nẵng',
    nameEn: 'International Organization for Migration (IOM) – Da Nang support team',
    staff: [
      { role: 'caseworker', name: 'Vũ Thị Hạnh' },
      { role: 'supervisor', name: 'Emma Clarke', language: 'en' },
      { role: 'focal_point', name: 'Daniel Hughes', language: 'en' },
    ],
  },
  {
    id: 'dn-hospital',
    kind: 'health_facility',
    nameVi: 'Bệnh viện Đa khoa Đà Nẵng',
    nameEn: 'Da Nang General Hospital',
    staff: [
      { role: 'caseworker', name: 'Đinh Thị Kim Oanh' },
      { role: 'supervisor', name: 'Tô Văn Khoa' },
      { role: 'focal_point', name: 'Cao Thị Diệu' },
    ],
  },
  {
    id: 'dn-legal-aid',
    kind: 'legal_aid',
    nameVi: 'Trung tâm Trợ giúp pháp lý nhà nước thành phố Đà Nẵng',
    nameEn: 'Da Nang State Legal Aid Centre',
    staff: [
      { role: 'caseworker', name: 'Lâm Văn Sơn' },
      { role: 'supervisor', name: 'Hồ Thị Bích' },
      { role: 'focal_point', name: 'Dương Minh Tuấn' },
    ],
  },
  {
    id: 'dn-commune-hoa-vang',
    kind: 'commune_committee',
    nameVi: 'Ủy ban nhân dân xã Hòa Vang',
    nameEn: 'Hoa Vang Commune People’s Committee',
    staff: [
      { role: 'caseworker', name: 'Châu Thị Nga' },
      { role: 'supervisor', name: 'Trịnh Văn Lộc' },
      { role: 'focal_point', name: 'Kiều Thị Hoa' },
    ],
  },
];

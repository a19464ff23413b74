/**
 * The default journey of one person, following the procedure in DOMAIN.md (Law 53/2024 Art. 27,
 * Decree 162/2025). Operating agencies change this data, not the workflow code.
 */
import type { z } from 'zod';
import { ClosureReason } from '../domain/case';
import type { EscalationLadder, JourneyPolicy } from './schema';

const standard = {
  steps: [
    { after: '0s', notify: ['assignee'], channels: ['email'] },
    { after: '1d', notify: ['supervisor'], channels: ['email'] },
    { after: '2d', notify: ['focal_point'], channels: ['email'] },
    { after: '3d', notify: ['coordinator', 'manager'], channels: ['email'], urgent: true },
  ],
  repeatEvery: '1d',
} satisfies z.input<typeof EscalationLadder>;

/** For the first days, when the person's safety is most at risk. */
const urgent = {
  steps: [
    { after: '0s', notify: ['assignee'], channels: ['email'] },
    { after: '2h', notify: ['supervisor'], channels: ['email'] },
    { after: '4h', notify: ['focal_point'], channels: ['email'] },
    { after: '8h', notify: ['coordinator', 'manager'], channels: ['email'], urgent: true },
  ],
  repeatEvery: '4h',
} satisfies z.input<typeof EscalationLadder>;

export const defaultPolicy = {
  id: 'vn-default',
  version: 1,
  ladders: { standard, urgent },
  stages: [
    {
      key: 'reception',
      title: { vi: 'Tiếp nhận và hỗ trợ khẩn cấp', en: 'Reception and immediate support' },
      tasks: [
        {
          key: 'reception',
          title: {
            vi: 'Tiếp nhận, bảo đảm an toàn, chỗ ở, ăn uống, sơ cứu, phiên dịch',
            en: 'Receive the person; safety, food, accommodation, first aid, interpreter',
          },
          agency: 'health_dept',
          acknowledgeWithin: '4h',
          completeWithin: '1d',
          ladder: 'urgent',
        },
      ],
    },
    {
      key: 'initial-verification',
      title: { vi: 'Xác minh thông tin ban đầu', en: 'Initial verification' },
      tasks: [
        {
          key: 'verify-initial-information',
          title: { vi: 'Chủ trì xác minh thông tin ban đầu', en: 'Lead the verification of initial information' },
          agency: 'health_dept',
          acknowledgeWithin: '4h',
          // Art. 27: at the latest 3 days after the health department was notified.
          completeWithin: '3d',
          clock: 'case',
          ladder: 'urgent',
        },
        {
          key: 'police-verification',
          title: { vi: 'Phối hợp xác minh (công an tỉnh)', en: 'Verification with the provincial police' },
          agency: 'police',
          acknowledgeWithin: '1d',
          completeWithin: '3d',
          clock: 'case',
          ladder: 'urgent',
        },
      ],
    },
    {
      key: 'identification',
      title: { vi: 'Xác định nạn nhân', en: 'Identification' },
      tasks: [
        {
          key: 'identification-decision',
          title: { vi: 'Quyết định xác định nạn nhân', en: 'Decide whether the person is a victim' },
          agency: 'police',
          acknowledgeWithin: '1d',
          completeWithin: '7d',
          ladder: 'standard',
          outcomes: {
            victim: {},
            not_victim: { closesCase: 'not_a_victim' },
          },
        },
      ],
    },
    {
      key: 'support-plan',
      title: { vi: 'Đánh giá nhu cầu và kế hoạch hỗ trợ', en: 'Needs assessment and support plan' },
      tasks: [
        {
          key: 'needs-assessment',
          title: { vi: 'Đánh giá nhu cầu, lập kế hoạch hỗ trợ', en: 'Assess needs and agree a support plan' },
          agency: 'health_dept',
          acknowledgeWithin: '1d',
          completeWithin: '5d',
          ladder: 'standard',
        },
      ],
    },
    {
      key: 'support-services',
      title: { vi: 'Thực hiện hỗ trợ', en: 'Support services' },
      tasks: [
        {
          key: 'shelter-placement',
          title: { vi: 'Bố trí chỗ ở tại cơ sở hỗ trợ', en: 'Shelter placement in a support facility' },
          agency: 'shelter',
          acknowledgeWithin: '1d',
          completeWithin: '3d',
          ladder: 'standard',
        },
        {
          key: 'medical-care',
          title: { vi: 'Chăm sóc y tế', en: 'Medical care' },
          agency: 'health_facility',
          acknowledgeWithin: '1d',
          completeWithin: '14d',
          ladder: 'standard',
        },
      ],
    },
    {
      key: 'reintegration',
      title: { vi: 'Tái hòa nhập cộng đồng', en: 'Reintegration' },
      tasks: [
        {
          key: 'community-reintegration',
          title: { vi: 'Tiếp nhận về gia đình, cộng đồng', en: 'Return to family and community' },
          agency: 'commune_committee',
          acknowledgeWithin: '2d',
          completeWithin: '30d',
          ladder: 'standard',
        },
      ],
    },
    {
      key: 'closure',
      title: { vi: 'Kết thúc hồ sơ', en: 'Closure' },
      tasks: [
        {
          key: 'case-closure',
          title: { vi: 'Kết thúc hồ sơ và ghi lý do', en: 'Close the case with a reason' },
          agency: 'health_dept',
          acknowledgeWithin: '2d',
          completeWithin: '7d',
          ladder: 'standard',
          outcomes: Object.fromEntries(ClosureReason.options.map((reason) => [reason, { closesCase: reason }])),
        },
      ],
    },
  ],
} satisfies z.input<typeof JourneyPolicy>;

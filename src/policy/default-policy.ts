/**
 * The default journey of one person, following the procedure in DOMAIN.md (Law 53/2024 Art. 27,
 * Decree 162/2025). Operating agencies change this data, not the workflow code.
 */
import type { z } from 'zod';
import { ClosureReason } from '../domain/case';
import type { EscalationLadder, JourneyPolicy, TaskPolicy } from './schema';

const standard = {
  steps: [
    { after: '0s', notify: ['assignee'], channels: ['email'] },
    { after: '1d', notify: ['supervisor'], channels: ['email', 'sms'] },
    { after: '2d', notify: ['focal_point'], channels: ['email', 'sms'] },
    { after: '3d', notify: ['coordinator', 'manager'], channels: ['email', 'sms'], urgent: true },
  ],
  repeatEvery: '1d',
  // Three more days of daily reminders at the top; by then the digest carries it.
  maxRepeats: 3,
} satisfies z.input<typeof EscalationLadder>;

/** For the first days, when the person's safety is most at risk: SMS too, and never held for quiet hours. */
const urgent = {
  steps: [
    { after: '0s', notify: ['assignee'], channels: ['email', 'sms'], urgent: true },
    { after: '2h', notify: ['supervisor'], channels: ['email', 'sms'], urgent: true },
    { after: '4h', notify: ['focal_point'], channels: ['email', 'sms'], urgent: true },
    { after: '8h', notify: ['coordinator', 'manager'], channels: ['email', 'sms'], urgent: true },
  ],
  repeatEvery: '4h',
  // One more day at the top, every 4 hours, day and night; then the digest carries it.
  maxRepeats: 6,
} satisfies z.input<typeof EscalationLadder>;

type TaskInput = z.input<typeof TaskPolicy>;

/** A support service: opened when the plan chooses it; referrals to NGOs need consent. */
function service(key: string, agency: TaskInput['agency'], title: TaskInput['title'], completeWithin: string, requiresConsent = false, referableTo: TaskInput['referableTo'] = []): TaskInput {
  return { key, title, agency, acknowledgeWithin: '1d', completeWithin, maxExtension: completeWithin, ladder: 'standard', onlyIfPlanned: true, requiresConsent, referableTo, counts: ['supported'] };
}
/** NGOs also run shelters, counselling and legal clinics: the lead agency may refer these there (with consent). */
const alsoNgo: TaskInput['referableTo'] = ['ngo'];

export const defaultPolicy = {
  id: 'vn-default',
  version: 1,
  ladders: { standard, urgent },
  // IOM is an agency of kind `ngo` in the directory.
  consentRequiredFor: ['ngo'],
  transferAcceptance: {
    key: 'transfer-acceptance',
    title: { vi: 'Tiếp nhận hồ sơ chuyển từ tỉnh khác', en: 'Accept a case transferred from another province' },
    acknowledgeWithin: '1d',
    completeWithin: '3d',
    ladder: 'standard',
  },
  // Four eyes: a manager of the health department who did not ask approves every closure by the
  // closeCase action or by a task marked closureNeedsApproval (the closure task).
  closureApproval: {
    key: 'closure-approval',
    title: { vi: 'Phê duyệt kết thúc hồ sơ', en: 'Approve the closure of the case' },
    acknowledgeWithin: '1d',
    completeWithin: '3d',
    ladder: 'standard',
    role: 'manager',
  },
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
        {
          key: 'border-guard-handover',
          title: {
            vi: 'Bàn giao người được giải cứu cho Sở Y tế: biên bản bàn giao, giấy tờ, tư trang',
            en: 'Hand the rescued person over to the health department: hand-over record, documents, belongings',
          },
          // Rescued at a border: the border guard hands over, the health department receives (DOMAIN.md, step 1).
          agency: 'border_guard',
          when: { notifiedBy: ['border_guard'] },
          acknowledgeWithin: '2h',
          completeWithin: '12h',
          ladder: 'urgent',
        },
        {
          key: 'returnee-reception',
          title: {
            vi: 'Đón người trở về từ nước ngoài (phối hợp IOM, cơ quan đại diện): giấy tờ, đi lại về địa phương',
            en: 'Receive the person returned from abroad (with IOM or the embassy): documents, travel onward',
          },
          // The health department receives; IOM (an `ngo`) may be asked to coordinate, with the person's consent.
          agency: 'health_dept',
          referableTo: ['ngo'],
          when: { notifiedBy: ['returned_from_abroad'] },
          acknowledgeWithin: '4h',
          completeWithin: '1d',
          ladder: 'urgent',
        },
        {
          key: 'guardian-contact',
          title: {
            vi: 'Liên hệ cha mẹ, người giám hộ hoặc người đại diện hợp pháp của trẻ em',
            en: "Contact the child's parent, guardian or legal representative",
          },
          // A child consents through a guardian or legal representative: found first, within hours.
          agency: 'health_dept',
          when: { child: true },
          acknowledgeWithin: '2h',
          completeWithin: '12h',
          clock: 'case',
          ladder: 'urgent',
        },
      ],
    },
    {
      key: 'initial-verification',
      title: { vi: 'Xác minh thông tin ban đầu', en: 'Initial verification' },
      // Art. 27's 3 days run from the notification: verification opens then, alongside reception.
      startsWithPrevious: true,
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
          counts: ['verified'],
        },
        {
          key: 'police-verification',
          title: { vi: 'Phối hợp xác minh (công an tỉnh)', en: 'Verification with the provincial police' },
          agency: 'police',
          // In border areas the border guard verifies in the police's place.
          referableTo: ['border_guard'],
          acknowledgeWithin: '1d',
          completeWithin: '3d',
          clock: 'case',
          ladder: 'urgent',
          counts: ['verified'],
        },
        {
          key: 'child-protection-assessment',
          title: { vi: 'Đánh giá nhu cầu bảo vệ trẻ em', en: 'Child-protection assessment' },
          // Social protection (the health department) assesses a child's safety before the 3 days are over.
          agency: 'health_dept',
          when: { child: true },
          acknowledgeWithin: '4h',
          completeWithin: '2d',
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
          // Art. 27: the police decide; no other agency may take this decision over.
          reserved: true,
          acknowledgeWithin: '1d',
          completeWithin: '7d',
          maxExtension: '7d',
          ladder: 'standard',
          outcomes: {
            victim: { counts: ['identified'] },
            // Not identified: referred to other services first (DOMAIN.md step 4), then closed as such.
            not_victim: { opens: ['referral-to-other-services'], closesCase: 'closed_referred' },
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
          maxExtension: '5d',
          ladder: 'standard',
          plans: 'support-services',
        },
      ],
    },
    {
      key: 'support-services',
      title: { vi: 'Thực hiện hỗ trợ', en: 'Support services' },
      // Each service opens only when the support plan chose it; the stage ends when all are done.
      tasks: [
        {
          ...service('shelter-placement', 'shelter', { vi: 'Bố trí chỗ ở tại cơ sở trợ giúp xã hội', en: 'Shelter placement in a support facility' }, '3d', false, alsoNgo),
          // A free place is reserved as the task opens; the person leaves it for reintegration (or at closure).
          placement: { facility: 'shelter', releaseAtStage: 'reintegration' },
        },
        service('medical-care', 'health_facility', { vi: 'Chăm sóc y tế', en: 'Medical care' }, '14d'),
        service('psychological-support', 'health_facility', { vi: 'Hỗ trợ tâm lý', en: 'Psychological support' }, '30d', false, alsoNgo),
        service('legal-aid', 'legal_aid', { vi: 'Trợ giúp pháp lý', en: 'Legal aid' }, '30d', false, alsoNgo),
        service('interpreter', 'health_dept', { vi: 'Bố trí phiên dịch', en: 'Interpreter' }, '2d'),
        service('education-vocational', 'ngo', { vi: 'Hỗ trợ học văn hóa, học nghề', en: 'Education or vocational training' }, '60d', true),
        service('financial-support', 'health_dept', { vi: 'Hỗ trợ tài chính ban đầu', en: 'Initial financial support' }, '7d'),
        service('return-home', 'ngo', { vi: 'Hỗ trợ trở về nơi cư trú (kể cả từ nước ngoài)', en: 'Return home (also from abroad)' }, '14d', true),
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
          maxExtension: '30d',
          ladder: 'standard',
          counts: ['reintegrated'],
        },
        {
          key: 'social-worker-handover',
          title: { vi: 'Bàn giao cho cán bộ công tác xã hội tại địa phương', en: 'Hand over to the local social worker' },
          agency: 'health_dept',
          acknowledgeWithin: '2d',
          completeWithin: '14d',
          maxExtension: '14d',
          ladder: 'standard',
        },
      ],
    },
    {
      key: 'follow-up',
      title: { vi: 'Theo dõi sau tái hòa nhập', en: 'Follow-up' },
      // Monthly for a year by default; a case may be followed for 6 to 12 months.
      repeat: { every: '30d', times: 12, minTimes: 6, maxTimes: 12 },
      tasks: [
        {
          key: 'follow-up-check-in',
          title: { vi: 'Thăm hỏi định kỳ: an toàn, không bị mua bán lại', en: 'Check-in: safe and not re-trafficked' },
          agency: 'commune_committee',
          acknowledgeWithin: '3d',
          completeWithin: '7d',
          maxExtension: '7d',
          ladder: 'standard',
          outcomes: {
            safe: {},
            needs_support: { reopens: ['support-plan', 'support-services'] },
            // The police act at once; support is planned again; then the follow-up goes on.
            re_trafficked: { opens: ['re-trafficking-response'], reopens: ['support-plan', 'support-services'] },
            // Traced, the follow-up goes on; not traced, the case closes as lost contact.
            lost_contact: { opens: ['tracing'] },
          },
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
          closureNeedsApproval: true,
        },
      ],
    },
  ],
  // Opened by outcomes above, not by a stage of their own.
  outcomeTasks: [
    {
      key: 'referral-to-other-services',
      title: { vi: 'Chuyển gửi đến các dịch vụ khác (không phải nạn nhân)', en: 'Refer to other services (not identified as a victim)' },
      agency: 'health_dept',
      acknowledgeWithin: '1d',
      completeWithin: '7d',
      maxExtension: '7d',
      ladder: 'standard',
    },
    {
      key: 're-trafficking-response',
      title: { vi: 'Bảo vệ khẩn cấp: nghi bị mua bán lại', en: 'Urgent protection: suspected re-trafficking' },
      agency: 'police',
      acknowledgeWithin: '2h',
      completeWithin: '1d',
      ladder: 'urgent',
    },
    {
      key: 'tracing',
      title: { vi: 'Tìm kiếm, liên lạc lại với người được hỗ trợ', en: 'Trace the person and restore contact' },
      agency: 'commune_committee',
      acknowledgeWithin: '2d',
      completeWithin: '14d',
      maxExtension: '14d',
      ladder: 'standard',
      outcomes: {
        traced: {},
        not_traced: { closesCase: 'lost_contact' },
      },
    },
  ],
} satisfies z.input<typeof JourneyPolicy>;

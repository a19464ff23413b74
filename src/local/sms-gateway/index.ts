export { startSmsGateway, type SmsGateway, type SmsGatewayOptions } from './server';
export type { CapturedRequest, SmsGatewayEvents } from './events';
export type { ApiFaultStatus, FaultSnapshot, Faults } from './faults';
export type { MessageResource, MessageStatus, SmsMessage, StatusCallbackDelivery } from './message';

/**
 * Failures with their message and stack trace moved into an encoded attribute, which the payload
 * codec encrypts: an error text naming a person never reaches the history in plaintext. Loaded
 * by path (journeyDataConverter) by clients and workers, and bundled into the workflow sandbox.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });

import { escapeHtml } from '../html';

/** The HTML part of an email, made from its plain text: escaped, links clickable, lines kept. */
export function textToHtml(text: string): string {
  const linked = escapeHtml(text).replace(/(https?:\/\/[^\s]+)/g, '<a href="$1">$1</a>');
  return `<div style="font-family:sans-serif;white-space:pre-line">${linked}</div>`;
}

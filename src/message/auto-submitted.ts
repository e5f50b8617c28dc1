import { parseAddressList } from './addresses.js';
import type { AssistantIdentity } from './assistant-address.js';
import { matchAssistantAddress } from './assistant-address.js';
import type { HeaderList } from './headers.js';
import { firstHeader, headerValues } from './headers.js';
import type { AutoSubmittedKind } from './types.js';

/**
 * Subjects that mark an automatic reply when Outlook's X-Auto-Response-Suppress is also present
 * (the header alone is on ordinary Outlook mail, so it is never a signal by itself).
 */
const AUTO_REPLY_SUBJECT =
  /^\s*(?:automatic reply|auto(?:matic)?[- ]?(?:reply|response|antwort)|autoreply|out of (?:the )?office|ooo\b|abwesenheitsnotiz|automatische antwort|r[ée]ponse automatique|respuesta autom[áa]tica|resposta autom[áa]tica|risposta automatica|automatisch antwoord|automatiskt svar|automatisk svar|auto:|\[auto generated\])/i;

/** `auto-replied (vacation); by=...` -> `auto-replied`: RFC 3834 allows comments and parameters. */
function keyword(value: string | null): string {
  return (
    (value ?? '')
      .replace(/\([^()]*\)/g, ' ')
      .split(';')[0]
      ?.trim()
      .toLowerCase() ?? ''
  );
}

const BOUNCE_SENDER = /^(?:mailer-daemon|postmaster)$/i;

/**
 * Classifies auto-generated mail (SPEC §4). Precedence when several signals apply:
 * bounce > auto-replied > list > auto-generated. `Auto-Submitted: auto-forwarded`,
 * `X-MS-Exchange-Inbox-Rules-Loop` and `X-Auto-Response-Suppress` alone are people's own
 * forwarding rules and ordinary Outlook mail, not auto-replies.
 */
export function classifyAutoSubmitted(
  headers: HeaderList,
  context: { contentType: string | null; assistant: AssistantIdentity | null },
): AutoSubmittedKind | null {
  const autoSubmitted = keyword(firstHeader(headers, 'auto-submitted'));
  const precedence = keyword(firstHeader(headers, 'precedence'));
  const subject = firstHeader(headers, 'subject') ?? '';
  const fromAddresses = headerValues(headers, 'from').flatMap((v) => parseAddressList(v).addresses);
  const senderAddresses = [
    ...fromAddresses,
    ...headerValues(headers, 'sender').flatMap((v) => parseAddressList(v).addresses),
  ];

  const isReport = context.contentType !== null && /^multipart\/report\b/i.test(context.contentType);
  const nullReturnPath = headerValues(headers, 'return-path').some((v) => /^<\s*>$/.test(v.trim()));
  const daemonSender = senderAddresses.some((a) =>
    BOUNCE_SENDER.test(a.address.slice(0, a.address.lastIndexOf('@'))),
  );
  if (isReport || nullReturnPath || daemonSender) return 'bounce';

  const xAutoreply = headers.some((h) => h.name === 'x-autoreply' || h.name === 'x-autorespond');
  const outOfOffice =
    headers.some((h) => h.name === 'x-auto-response-suppress') && AUTO_REPLY_SUBJECT.test(subject);
  if (autoSubmitted === 'auto-replied' || xAutoreply || precedence === 'auto_reply' || outOfOffice)
    return 'auto-replied';

  if (precedence === 'list') return 'list';

  const fromAssistant =
    context.assistant !== null &&
    fromAddresses.some(
      (a) => matchAssistantAddress(a.address, context.assistant as AssistantIdentity) !== null,
    );
  const otherAutoSubmitted =
    autoSubmitted !== '' && autoSubmitted !== 'no' && autoSubmitted !== 'auto-forwarded';
  if (otherAutoSubmitted || precedence === 'bulk' || precedence === 'junk' || fromAssistant)
    return 'auto-generated';

  return null;
}

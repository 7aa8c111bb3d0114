/**
 * Mail comes in here: the SMTP listener and its sessions (an explicit state machine), the client
 * policy (who may relay), STARTTLS and SMTP AUTH (PLAIN, LOGIN) against a hashed users file; the
 * sendmail command's way in: the drop format, the submit socket and the maildrop pickup, both
 * through LocalSubmission. Hands validated envelopes and bodies to the queue.
 * Depends on message, smtp, queue, config.
 */
package org.mailferry.submission;

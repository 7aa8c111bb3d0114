/**
 * Mail comes in here: the SMTP listener and its sessions (an explicit state machine), the client
 * policy (who may relay), STARTTLS and SMTP AUTH (PLAIN, LOGIN) against a hashed users file.
 * Hands validated envelopes and bodies to the queue. Depends on message, smtp, queue, config.
 */
package org.mailferry.submission;

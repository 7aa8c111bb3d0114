/**
 * Mail comes in here: the SMTP listener and its sessions (an explicit state machine: the Command
 * table of verbs and the states each is valid in, then each command's check and proceed steps;
 * every reply in Replies), the client policy (who may relay), STARTTLS and SMTP AUTH (PLAIN, LOGIN)
 * against a hashed users file; the sendmail command's way in: the drop format, the submit socket
 * (with SEND, the native client's request, run by a SubmitSocket.Send that cli implements and
 * Mailferry wires) and the maildrop pickup, all through LocalSubmission. Hands validated envelopes
 * and bodies to the queue.
 * Depends on: message, smtp, queue, config, rewrite (AddressHeader, which qualifies bare names).
 */
package org.mailferry.submission;

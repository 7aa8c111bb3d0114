/**
 * What happens to messages, told once: delivery events and their listeners (the mail.log lines,
 * metrics, signed webhooks with their outbox in the spool, written before the state change they
 * report; DSNs).
 * Depends on: message, queue (events take the Message-ID from the header block).
 */
package org.mailferry.notify;

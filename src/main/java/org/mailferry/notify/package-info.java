/**
 * What happens to messages, told once: delivery events and their listeners (the mail.log lines,
 * metrics, signed webhooks with their on-disk outbox; DSNs). Depends on message, smtp and queue
 * (webhooks read the sender and Message-ID of the stored message).
 */
package org.mailferry.notify;

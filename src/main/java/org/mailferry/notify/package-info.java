/**
 * What happens to messages, told once: delivery events and their listeners (the mail.log lines
 * now; metrics, webhooks and DSNs later). Depends on message and smtp.
 */
package org.mailferry.notify;

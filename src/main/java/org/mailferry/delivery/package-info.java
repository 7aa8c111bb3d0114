/**
 * Mail goes out here: the queue runner (scheduler), the retry schedule, the one classifier of
 * failures, routing to the smarthost (MX or bracketed host) and the SMTP client. Depends on
 * message, smtp, queue, notify, config.
 */
package org.mailferry.delivery;

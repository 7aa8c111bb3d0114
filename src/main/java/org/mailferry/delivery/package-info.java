/**
 * Mail goes out here: the queue runner (scheduler), the retry schedule, the one classifier of
 * failures, routing to the smarthost (MX or bracketed host), the SMTP client with its TLS policy, SASL
 * mechanisms and credential lookup. DeliveryWiring builds the scheduler's parts for the wiring
 * (Mailferry), so they stay package-private.
 * Depends on: message, smtp, queue, notify, config.
 */
package org.mailferry.delivery;

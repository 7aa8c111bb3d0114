/**
 * Mail goes out here: the queue runner (the scheduler: when), the attempt as an ordered list of
 * steps ({@link org.mailferry.delivery.Pipeline}: route, site admission, connect, TLS, AUTH,
 * transaction), the one classifier of every retry-versus-bounce decision, the retry schedule, the
 * SMTP client connection with its TLS policy, SASL mechanisms and credential lookup. DeliveryWiring builds the scheduler's parts for the wiring
 * (Mailferry), so they stay package-private.
 * Depends on: message, smtp, queue, notify, config, rewrite (the sender rewritten at delivery).
 */
package org.mailferry.delivery;

/**
 * The wiring: Mailferry constructs the relay's parts and hands them to each other (delivery's in
 * delivery.DeliveryWiring), CommandWiring does the same for the commands of cli. No other package
 * depends on this one.
 * Depends on: admin, cli, config, delivery, message, notify, queue, submission.
 */
package org.mailferry;

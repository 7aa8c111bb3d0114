/**
 * The admin HTTP API on a loopback listener: message status, queue commands, Prometheus metrics.
 * Depends on message, queue, delivery (QueueControl), notify.
 */
package org.mailferry.admin;

/**
 * The admin HTTP API on a loopback listener: message status, queue commands, Prometheus metrics;
 * all but /health and /metrics for operators only (the token in SPOOL/admin.token), checked with
 * Host and Origin first (RequestCheck).
 * Depends on: message, queue, delivery (QueueControl), notify.
 */
package org.mailferry.admin;

/**
 * Commands for people and programs: serve's flags, the queue listing (mailq) and queue commands,
 * status, {@code check} (probe the smarthost), later the sendmail-compatible command. Reads the spool directly, so it works with the
 * daemon down; changes go through the daemon's admin API when it runs.
 * Depends on config, queue, message, delivery (QueueControl), admin (MessageStatus), notify, smtp,
 * submission (password hashes for passwd).
 */
package org.mailferry.cli;

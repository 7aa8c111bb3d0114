/**
 * Commands for people and programs: serve's flags, the queue listing (mailq), later the
 * sendmail-compatible command. Reads the spool directly, so it works with the daemon down.
 * Depends on config, queue, message.
 */
package org.mailferry.cli;

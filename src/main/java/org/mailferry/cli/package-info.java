/**
 * Commands for people and programs: serve's flags, the queue listing (mailq) and queue commands,
 * status, {@code check} (probe the smarthost), {@code passwd}, and the sendmail-compatible command
 * (Sendmail: library-free on its sending path, it hands messages to the daemon's submit socket or
 * the maildrop; SendmailInDaemon runs the same sending path inside the daemon for the native client
 * of src/main/c). Reads the spool directly, so it works with the daemon down; changes go through the
 * daemon's admin API when it runs. Commands (the dispatch of {@code mailferry COMMAND}, with serve
 * and check) decide; what they need built comes from the wiring through {@link Wiring}, so this
 * package never depends on Mailferry itself.
 * Depends on: config, queue, message, delivery (QueueControl; ClientSecurity, Router and SmtpClient
 * for check), admin (MessageStatus), notify, smtp, submission (Drop; SmtpSession for sendmail -bs;
 * password hashes for passwd), imports (import).
 */
package org.mailferry.cli;

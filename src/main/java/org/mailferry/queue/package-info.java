/**
 * The durable queue: the Spool interface and JournalSpool, which appends small messages to a
 * group-synced journal until their first attempt ends and keeps the rest in FileSpool's files (a
 * body file and a small envelope file), all fsynced before any acknowledgement.
 * Depends on: message.
 */
package org.mailferry.queue;

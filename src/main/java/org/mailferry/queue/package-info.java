/**
 * The durable queue: {@link org.mailferry.queue.Spool} (the queue: what delivery needs) and
 * {@link org.mailferry.queue.History} (finished messages, lookups by id and Message-ID), both
 * implemented by JournalSpool, which appends small messages to a group-synced journal until their
 * first attempt ends and keeps the rest in FileSpool's files (a body file and a small envelope
 * file), all fsynced before any acknowledgement; and DurableFile, the one routine that writes a
 * file whole (temporary name, fsync, rename, directory sync). PgSpool is the second implementation:
 * the same two interfaces over PostgreSQL tables (PgSchema, PgPool, PgIncoming, PgBody), shared
 * by several nodes.
 * Depends on: message.
 */
package org.mailferry.queue;

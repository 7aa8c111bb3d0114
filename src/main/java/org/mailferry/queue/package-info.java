/**
 * The durable queue: the Spool interface and FileSpool, which stores each message as a body file
 * and a small envelope file, fsynced before any acknowledgement. Depends on message.
 */
package org.mailferry.queue;

/**
 * Values that describe a message on its way: queue id, addresses, envelope, recipient state.
 * No I/O.
 * Depends on: nothing.
 */
package org.mailferry.message;

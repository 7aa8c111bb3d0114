/**
 * Values that describe a message on its way: queue id, addresses, envelope, recipient state.
 * No I/O.
 * Depends on: nothing.
 */
@NullMarked
package org.mailferry.message;

import org.jspecify.annotations.NullMarked;
